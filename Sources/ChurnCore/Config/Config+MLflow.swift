import TOMLKit

extension Config {
    /// An MLflow tracking server that every training run is logged to (`[mlflow]`); off while `trackingURI` is
    /// empty. Logging is queued in the registry and retried, so MLflow being down never blocks training or
    /// scoring.
    package struct MLflow: Equatable, Sendable {
        /// `http://host:5000`; "" = off.
        package var trackingURI = ""
        /// The experiment churnd's runs go to (created when missing).
        package var experiment = "churnd"
        /// The registered model that promoted and kept versions become versions of.
        package var registeredModel = "churn_model"

        package var enabled: Bool { !trackingURI.isEmpty }

        package init() {}
    }
}

extension TOMLConfigReader {
    func readMLflow(_ section: TOMLTable, into mlflow: inout Config.MLflow) throws {
        try checkKeys(section, section: "mlflow", allowed: ["tracking_uri", "experiment", "registered_model"])
        try read(section, "mlflow", "tracking_uri", into: &mlflow.trackingURI)
        try read(section, "mlflow", "experiment", into: &mlflow.experiment)
        try read(section, "mlflow", "registered_model", into: &mlflow.registeredModel)
        let uri = mlflow.trackingURI
        if !uri.isEmpty, !(uri.hasPrefix("http://") || uri.hasPrefix("https://")) || uri.count < 10 {
            throw error(
                "mlflow", "tracking_uri",
                "use an http:// or https:// address such as \"http://127.0.0.1:5000\", or \"\" for off")
        }
        if mlflow.experiment.isEmpty { throw error("mlflow", "experiment", "name an experiment, e.g. \"churnd\"") }
        if mlflow.registeredModel.isEmpty
            || !mlflow.registeredModel.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." })
        {
            throw error("mlflow", "registered_model", "use letters, digits, '_', '-' and '.' only")
        }
    }
}
