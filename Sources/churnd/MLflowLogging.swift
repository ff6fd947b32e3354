import ChurnCore
import ChurnMLflow
import ChurnStore

/// After `churnd train`: with `[mlflow] tracking_uri` set, logs the registry's queued runs (this one and any
/// left from an outage) to MLflow and says on stderr what became of them. MLflow being unreachable never fails
/// the command: the runs stay queued in the registry, and the daemon or the next command logs them.
func logToMLflow(config: Config, lifecycle: ModelLifecycle, stateDirectory: String) {
    guard config.mlflow.enabled else { return }
    let tracker = MLflowTracker(
        config: config, registry: lifecycle.registry, reportsDirectory: stateDirectory + "/reports", timeout: 15)
    do {
        let pass = try tracker.pass()
        for failure in pass.failures {
            writeStandardError("MLflow: cannot log \(failure); it stays queued and is tried again later\n")
        }
        if !pass.ran {
            writeStandardError("MLflow: another churnd process is logging the queue (\(pass.pending) waiting)\n")
        } else if let error = pass.stoppedBy {
            writeStandardError(
                "MLflow: \(error)\nMLflow: \(pass.pending) item\(pass.pending == 1 ? "" : "s") queued in the registry, "
                    + "logged when MLflow answers (by `churnd run`, or the next `churnd train`)\n")
        } else if pass.logged > 0 {
            writeStandardError(
                "MLflow: logged \(pass.logged) item\(pass.logged == 1 ? "" : "s") to experiment "
                    + "\"\(config.mlflow.experiment)\" at \(config.mlflow.trackingURI)\n")
        }
    } catch {
        writeStandardError("MLflow: cannot read the queue in the registry: \(error)\n")
    }
}
