/// The churnd version recorded in every artifact and registry row.
public let churndVersion = "0.1.0"
