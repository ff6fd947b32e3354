extension Config {
    /// The commented file `churnd init` writes. Every key it shows is the default, so the file changes nothing
    /// until edited; `ConfigTests` checks that it parses to `Config()`.
    public static let defaultTOML = """
        # churnd configuration. Every value shown is the default; edit what you need.
        # Paths are relative to the directory holding this file unless absolute.

        [schema]
        # Column that identifies a row; copied to outputs. Optional in inputs (row numbers stand in).
        id = "customer_id"
        # Column holding the label in training files, and its value(s) meaning the positive class.
        label = "churn"
        positive = ["1"]            # e.g. ["yes"], ["Yes"], ["1", "true"]
        # Feature columns, matched by header name in any order. Extra columns are ignored.
        numeric = ["tenure_months", "num_complaints", "avg_session_minutes"]
        categorical = ["plan_type", "region"]
        # Field values that mean "missing". Note "NA" is a region (North America), not missing.
        missing = [""]

        [training]
        model_name = "churn_model"
        seed = 42                   # the split and everything random in training follow from it
        validation_fraction = 0.2   # rows for threshold tuning and model selection
        test_fraction = 0.2         # rows for the final judgement
        max_missing_fraction = 0.05 # a training file with more missing values in any column is refused
        # Model families trained on every run, on the same split; the best validation F1 is the candidate,
        # the others are reported. Known: "logistic_regression", "xgboost".
        families = ["logistic_regression", "xgboost"]

        [xgboost]
        # Gradient-boosted trees through XGBoost's C library (parameter names as in XGBoost).
        nthread = 0                 # threads for training and scoring; 0 = one per core
        tree_method = "hist"
        max_depth = 6
        eta = 0.1                   # learning rate
        rounds = 300                # at most this many trees ...
        early_stopping_rounds = 20  # ... stopping when validation log loss has not improved for this many (0: never)
        min_child_weight = 1.0
        subsample = 1.0
        colsample_bytree = 1.0
        lambda = 1.0                # L2 regularisation of leaf weights
        max_bin = 256

        [promotion]
        gate_f1 = 0.65              # a candidate needs at least this test F1 to be eligible

        [scoring]
        passthrough = false         # also copy every input column into the scored file
        max_record_bytes = 1048576  # longer CSV records are reported as row errors and skipped

        [paths]
        watch = "watch"             # watch/data: labeled CSVs; watch/logs: prediction logs
        inbox = "inbox"             # CSVs to score
        outbox = "outbox"           # scored files and error reports
        state = "state"             # registry, models, archive, quarantine, reports

        """
}
