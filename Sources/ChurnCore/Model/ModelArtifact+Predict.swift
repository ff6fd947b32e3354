extension ModelArtifact {
    /// Probabilities for rows of `data`, encoded with this artifact's own preprocessing, whatever the family.
    /// Used to judge a champion on a candidate's test rows; nil when the data's schema does not fit this model.
    package func predict(_ data: LabeledData, rows: [Int], nthread: Int = 1) throws -> [Double]? {
        guard preprocessing.numeric.map(\.name) == data.schema.numeric,
            preprocessing.categorical.map(\.name) == data.schema.categorical
        else { return nil }
        let width = preprocessing.width
        let x = preprocessing.encode(data, rows: rows)
        if let logistic { return logistic.predict(x: x, width: width) }
        if let xgboost {
            let ensemble: TreeEnsemble
            do {
                ensemble = try TreeEnsemble(json: xgboost.booster)
            } catch {
                throw ChurnError.artifact(
                    path: name, message: "cannot predict with the xgboost model: \(error.message)")
            }
            return ensemble.predict(x, width: width, threads: nthread)
        }
        return nil
    }
}
