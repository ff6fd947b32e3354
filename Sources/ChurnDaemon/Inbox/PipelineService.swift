import Logging
import ServiceLifecycle

/// Keeps the pipeline's lifetime in the service group and runs its pauses as child tasks: on shutdown it stops
/// claiming and lets the files in hand finish within the grace period; the rest stay in `processing/` for the
/// next start (the work on their lanes ends with the process).
final class PipelineService: Service {
    private let pipeline: InboxPipeline
    private let grace: @Sendable () -> Double
    private let logger: Logger

    init(pipeline: InboxPipeline, grace: @escaping @Sendable () -> Double, logger: Logger) {
        self.pipeline = pipeline
        self.grace = grace
        self.logger = logger
    }

    func run() async throws {
        let pipeline = self.pipeline
        await withDiscardingTaskGroup { group in
            group.addTask { [grace, logger] in
                try? await gracefulShutdown()
                let left = await pipeline.drain(grace: grace())
                if left > 0 {
                    logger.notice("files left in processing for the next start", metadata: ["files": "\(left)"])
                }
                pipeline.finishWork()
            }
            for await work in pipeline.work {
                switch work {
                case .resume(let seconds):
                    group.addTask {
                        try? await Task.sleep(for: .seconds(seconds))
                        pipeline.pumpAfterPause()
                    }
                }
            }
            group.cancelAll()
        }
        logger.info("stopped")
    }
}
