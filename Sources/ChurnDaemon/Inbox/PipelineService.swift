import Logging
import ServiceLifecycle

/// Runs the pipeline's jobs as child tasks and keeps its lifetime in the service group: on shutdown it stops
/// claiming and lets the files in hand finish within the grace period; the rest stay in `processing/` for the
/// next start (their tasks are cancelled; the work on their lanes ends with the process).
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
                case .score(let slot, let items):
                    group.addTask { await pipeline.run(slot: slot, items: items) }
                case .resume(let seconds):
                    group.addTask {
                        try? await Task.sleep(for: .seconds(seconds))
                        await pipeline.pumpAfterPause()
                    }
                }
            }
            group.cancelAll()
        }
        logger.info("stopped")
    }
}
