import ChurnDaemon
import Testing

/// Debounce rules with a fake clock: times are plain seconds.
struct RetrainScheduleTests {
    @Test func aBurstMakesOneRunAfterTheQuietPeriod() {
        var schedule = RetrainSchedule(quiet: 5, maxWait: 60)
        schedule.fileArrived(at: 0)
        schedule.fileArrived(at: 2)
        schedule.fileArrived(at: 4)
        let check10 = !schedule.startIfDue(at: 8.9)
        #expect(check10)
        #expect(schedule.deadline == 9)
        let check13 = schedule.startIfDue(at: 9)
        #expect(check13)
        let check15 = !schedule.startIfDue(at: 100)
        #expect(check15)
        schedule.trainingFinished()
        #expect(schedule.state == .idle)
    }

    @Test func aSteadyTrickleStillTrainsWithinTheMaximumWait() {
        var schedule = RetrainSchedule(quiet: 5, maxWait: 60)
        var now = 0.0
        var started: Double?
        while now < 120, started == nil {
            schedule.fileArrived(at: now)
            now += 3
            if schedule.startIfDue(at: now) { started = now }
        }
        #expect(started == 60)
    }

    @Test func filesDuringTrainingMakeExactlyOneMoreRun() {
        var schedule = RetrainSchedule(quiet: 5, maxWait: 60)
        schedule.fileArrived(at: 0)
        let check36 = schedule.startIfDue(at: 5)
        #expect(check36)
        schedule.fileArrived(at: 6)
        schedule.fileArrived(at: 7)
        #expect(schedule.deadline == nil)
        let check41 = !schedule.startIfDue(at: 30)
        #expect(check41)
        schedule.trainingFinished()
        let check44 = schedule.startIfDue(at: 30)
        #expect(check44)
        schedule.trainingFinished()
        let check47 = !schedule.startIfDue(at: 1000)
        #expect(check47)
        #expect(schedule.state == .idle)
    }

    @Test func aRequestStartsAtOnce() {
        var schedule = RetrainSchedule(quiet: 5, maxWait: 60)
        schedule.requestNow(at: 10)
        let check55 = schedule.startIfDue(at: 10)
        #expect(check55)
    }
}
