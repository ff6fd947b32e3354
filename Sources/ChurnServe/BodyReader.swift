import HTTPTypes
import Hummingbird
import NIOCore

/// Reads a request body whole, within the size limit and the time limit: a declared `Content-Length` over the
/// limit is refused before a byte of the body is read, an undeclared one as soon as the limit is passed; a
/// client too slow to send its body gets 408 instead of holding a task forever.
struct BodyReader: Sendable {
    var maxBytes: Int
    var timeoutSeconds: Double

    func read(_ request: Request) async throws(RequestProblem) -> [UInt8] {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxBytes {
            throw .tooLarge(limit: maxBytes)
        }
        let body = request.body
        let limit = maxBytes
        let timeout = timeoutSeconds
        let result: Result<ByteBuffer, RequestProblem> = await withTaskGroup(
            of: Result<ByteBuffer, RequestProblem>?.self
        ) { group in
            group.addTask {
                do {
                    return .success(try await body.collect(upTo: limit))
                } catch is NIOTooManyBytesError {
                    return .failure(.tooLarge(limit: limit))
                } catch {
                    return .failure(.badRequest("cannot read the request body: \(error)"))
                }
            }
            group.addTask {
                do {
                    try await Task.sleep(for: .seconds(timeout))
                } catch {
                    return nil  // cancelled: the body arrived
                }
                return .failure(.timedOut(seconds: timeout))
            }
            var outcome: Result<ByteBuffer, RequestProblem> = .failure(.timedOut(seconds: timeout))
            while let next = await group.next() {
                if let next {
                    outcome = next
                    break
                }
            }
            group.cancelAll()
            return outcome
        }
        switch result {
        case .success(let buffer): return Array(buffer.readableBytesView)
        case .failure(let problem): throw problem
        }
    }
}
