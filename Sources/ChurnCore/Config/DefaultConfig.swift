extension Config {
    /// The commented file `churnd init` writes. Every key it shows is the default, so the file changes nothing
    /// until edited, except the input checks of `[schema.bounds]` and `[schema.normalize]` (the Python lab's,
    /// which a file without them does not make); `ConfigTests` checks that it parses to `Config.initial`.
    package static let defaultTOML = """
        # churnd configuration. Every value shown is the default (edit what you need), except the input checks
        # of [schema.bounds] and [schema.normalize]: without those tables, no bounds or case are enforced.
        # Relative paths are resolved against the root directory (the one holding churnd.toml, or the one
        # given with --root or CHURND_ROOT), also when this file is passed with --config from elsewhere.

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

        [schema.bounds]
        # Allowed range of numeric columns, inclusive: [min, max], or { min = 0 } / { max = 50 } for one side.
        # A value outside is a row error when scoring (outbox/<stem>.errors.csv: "above the maximum 200"); a
        # training row with one is left out and counted (a file with more than max_missing_fraction of its rows
        # out of bounds in a column is refused). These are the Python lab API's limits.
        tenure_months = [0, 200]
        num_complaints = [0, 50]
        avg_session_minutes = [0, 500]

        [schema.normalize]
        # Categorical values are always trimmed of spaces and tabs; "lower" or "upper" also sets their case, in
        # training and in scoring alike ("PREMIUM" scores as "premium"). "trim" = trimming only (the default).
        # A model records the normalisation it was trained with, and scoring applies that one.
        plan_type = "lower"
        region = "upper"

        [training]
        model_name = "churn_model"
        seed = 42                   # the split and everything random in training follow from it
        validation_fraction = 0.2   # rows for threshold tuning and model selection
        test_fraction = 0.2         # rows for the final judgement
        max_missing_fraction = 0.05 # a training file with more missing values in any column is refused
        # Model families trained on every run, on the same split; the best validation F1 is the candidate,
        # the others are reported. Known: "logistic_regression", "xgboost".
        families = ["logistic_regression", "xgboost"]
        # Up to cv_max_rows labeled rows (train + validation; 0 = never), the family, its settings and the
        # threshold are chosen by stratified cross-validation over those rows (cv_folds folds, seeded), and
        # the choice is refit on all of them; the test rows still judge. Larger data uses the validation split.
        cv_max_rows = 100000
        cv_folds = 5
        # Settings tried beside the configured ones when cross-validating (logistic regression's C; XGBoost's
        # depth, min_child_weight, eta, subsample; class weights below 20 % positives), within this budget of
        # processor seconds on a 2-core machine, shared by the families in order, estimated from the work done
        # so every machine tries the same ones (0: none).
        search_budget_seconds = 5.0

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
        # A new model (the candidate) is registered as a version when its test F1 passes the gate. It replaces
        # the serving one (the champion, alias "production") only when, on the candidate's test rows, its F1
        # beats the champion's by min_f1_gain AND it wins in at least `confidence` of the paired bootstrap
        # resamples of those rows: noise then rarely swaps champions back and forth.
        gate_f1 = 0.65              # a candidate needs at least this test F1 to be eligible
        min_f1_gain = 0.005         # smallest F1 gain over the champion worth a promotion
        confidence = 0.90           # share of bootstrap resamples in which the candidate must win (0: no check)
        bootstrap_resamples = 1000  # paired resamples of the test rows (seeded by training.seed)
        bootstrap_max_rows = 100000 # rows drawn per resample at most (bounds the cost on huge test splits)

        [scoring]
        passthrough = false         # also copy every input column into the scored file
        max_record_bytes = 1048576  # longer CSV records are reported as row errors and skipped

        [paths]
        watch = "watch"             # watch/data: labeled CSVs; watch/logs: prediction logs
        inbox = "inbox"             # CSVs to score
        outbox = "outbox"           # scored files and error reports
        state = "state"             # registry, models, archive, quarantine, reports

        [daemon]
        workers = 0                 # files scored in parallel; 0 = number of CPU cores (at least 2)
        quiet_seconds = 5           # training starts this long after the last new file in watch/data
        max_quiet_seconds = 60      # ... but at most this long after the first one of a burst
        scan_interval_seconds = 60  # reconciliation scan of inbox/ for anything inotify missed
        polling = false             # true: poll instead of inotify (needed on NFS, CIFS, FUSE)
        poll_interval_seconds = 2   # scan interval when polling
        shutdown_grace_seconds = 10 # on SIGTERM, files in hand get this long to finish, then wait for the next start
        stop_timeout_seconds = 25   # bound on the whole stop (at least grace + 5); keep it below systemd's TimeoutStopSec - 3

        [drift]
        interval_seconds = 300      # scheduled checks; `churnd drift` checks on demand
        last_n = 500                # records per check: the serving version's last logged predictions
        policy = "rollback"         # on an alert: "rollback" (and retrain on new data), "retrain", or "alert" only
        z_threshold = 2.5           # reference rule: |mean recent - mean training| / std training
        false_alarm_rate = 0.006    # bound on false alarms per check, shared by the distribution tests
        min_records = 100           # fewer records: "not enough data", no alert
        sample_rows_per_file = 10000 # rows of each scored file logged for drift (uniform sample); 0 = off
        log_file = "churnd-predictions.jsonl" # the daemon's prediction log in watch/logs
        log_max_bytes = 67108864    # rotate the log past this size (64 MiB)
        # Effect floors: a test alerts only when its p-value is below its threshold AND its effect reaches
        # the floor, so one odd row or a tiny difference in a large window does not move production (0: p only).
        min_mean_shift = 0.1        # means: |mean recent - mean training| / std training
        min_bin_psi = 0.1           # numeric and probability distributions: PSI over training-quantile bins
        min_level_share_change = 0.05 # level mixes: largest change of one level's share of rows (unseen count)

        [shadow]
        # The challenger (best eligible version not serving) also scores every inbox file: its predictions go
        # to the prediction log only (same sampled rows, "alias": "challenger"), never to the outbox.
        enabled = true
        # A/B: this share of rows (0..1), chosen by a stable hash of the customer id, is served by the challenger
        # (same schema only); their model_version names it. 0 = the champion serves every row.
        serve_fraction = 0.0

        [live]
        # Label files dropped into watch/labels (CSV with the label column and the schema's id column, or
        # request_id; optionally file) are joined, per version, with the most recent logged prediction for each
        # id made before the label file arrived, to give live F1 per version (champion and challenger).
        promote_challenger = true   # promote the challenger when its live F1 beats the champion's ([promotion] rule)
        min_live_rows = 500         # ... on at least this many labeled rows both versions predicted
        window_rows = 5000          # live F1 is over each version's last this many labeled rows
        max_label_age_days = 30     # a prediction older than this when its label arrives is never credited

        [retention]
        # The daemon prunes what it has finished with, at start and every hour. 0 keeps everything.
        archive_days = 30           # scored inputs in state/archive are removed this many days after their claim
        reports_keep = 1000         # only the newest this many drift reports in state/reports are kept

        [mlflow]
        # An MLflow tracking server (started with --artifacts-destination) that every training run is logged to:
        # params, metrics, tags, model.json and an MLflow model directory; promoted and kept versions become
        # versions of the registered model. Queued in the registry and retried while MLflow is unreachable.
        tracking_uri = ""           # e.g. "http://127.0.0.1:5000"; "" = off
        experiment = "churnd"       # the experiment runs go to (created when missing)
        registered_model = "churn_model" # the registered model versions are registered under

        [registry]
        # "sqlite": churnd's own registry decides which version serves. "mlflow" (needs [mlflow] tracking_uri):
        # MLflow's alias churn_model@production does; churnd sets it when it promotes or rolls back, and follows
        # moves made in MLflow (UI, MlflowClient) within 2 s, audited with actor "mlflow".
        backend = "sqlite"

        [http]
        # The HTTP server (churnd run, churnd serve): /predict, /invocations, /health, /ready, read-only views
        # of the registry, and alias moves with a token. See docs/http.md.
        listen = "127.0.0.1:8080"   # HOST:PORT; "" turns it off; port 0 takes a free port (logged at start)
        admin_token_file = ""       # NAME:TOKEN lines for POST /aliases and /rollback; "" or no file: 403
        max_body_bytes = 16777216   # larger request bodies get 413 before they are read whole (16 MiB)
        request_timeout_seconds = 30 # a body not received whole this long after the request's head: 408
        idle_timeout_seconds = 60   # keep-alive connections idle this long are closed
        max_connections = 1000      # connections past this many at once wait in the kernel's accept queue

        [cluster]
        # "all": this machine does everything. Several machines on one MLflow (see docs/cluster.md): exactly one
        # "trainer" (trains, promotes, monitors drift; scores nothing) and any number of "scorer"s (follow MLflow's
        # aliases, fetch those versions with SHA-256 checks, score inbox/ and serve HTTP; never train; need
        # [registry] backend = "mlflow").
        role = "all"
        node = ""                   # a scorer's name, stable across restarts; "": host name + hash of the root
        shared_inbox = false        # scorers share [paths] inbox: each file is claimed by exactly one of them

        """

    /// The configuration `churnd init` writes: the defaults plus the Python lab's input checks.
    package static var initial: Config {
        var config = Config()
        config.schema.bounds = Schema.labBounds
        config.schema.normalize = Schema.labNormalization
        return config
    }
}
