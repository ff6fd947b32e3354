/// The churnd version recorded in every artifact and registry row.
package let churndVersion = "0.1.0"
