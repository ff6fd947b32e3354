import ChurnCore
import Foundation

/// The MLflow model directory churnd logs with each registered version (`model/` in the run's artifacts),
/// which `mlflow.pyfunc.load_model()` loads without pickles:
///
/// - `MLmodel`: a `python_function` flavor whose loader (`code/churnd_pyfunc.py`) reads `model.json` — the
///   artifact churnd serves — and applies its preprocessing, then the logistic coefficients or the booster;
///   for XGBoost also the `xgboost` flavor on `model.xgb.json` (XGBoost's own JSON format), so
///   `mlflow.xgboost.load_model()` gives the booster itself (it takes rows already encoded).
/// - `model.json`, `model.xgb.json` (XGBoost only), `requirements.txt`, `python_env.yaml`.
///
/// The pyfunc model takes a DataFrame with the schema's columns (as text or numbers, as in the CSV files
/// churnd scores) and returns `churn_probability` and `churn_prediction` as `churnd score` computes them.
package struct MLflowModelDirectory: Sendable {
    /// Relative path → bytes.
    package var files: [(path: String, bytes: Data)]

    package init(artifact: ModelArtifact, artifactBytes: Data, runID: String, createdAt: Double) {
        var files: [(String, Data)] = [("model.json", artifactBytes)]
        var flavors = """
            flavors:
              python_function:
                code: code
                data: model.json
                env:
                  virtualenv: python_env.yaml
                loader_module: churnd_pyfunc

            """
        var requirements = ["numpy", "pandas"]
        if let xgboost = artifact.xgboost {
            files.append(("model.xgb.json", Data(xgboost.booster.utf8)))
            flavors += """
                  xgboost:
                    code: null
                    data: model.xgb.json
                    model_class: xgboost.core.Booster
                    model_format: json
                    xgb_version: \(Self.yamlString(xgboost.libraryVersion))

                """
            requirements.append("xgboost-cpu")
        }
        let time = CalendarTime(utc: createdAt)
        let created =
            "\(time.date(separator: "-")) \(time.clock(separator: ":")).\(time.milliseconds)000"
        let mlmodel =
            "artifact_path: model\n" + flavors + """
                model_uuid: \(Self.uuid(runID: runID))
                run_id: \(runID)
                utc_time_created: '\(created)'

                """
        files.append(("MLmodel", Data(mlmodel.utf8)))
        files.append(("code/churnd_pyfunc.py", Data(Self.loader.utf8)))
        files.append(("requirements.txt", Data((requirements.joined(separator: "\n") + "\n").utf8)))
        files.append(("python_env.yaml", Data("dependencies:\n- -r requirements.txt\n".utf8)))
        self.files = files
    }

    /// A stable id for the model of a run (MLflow only needs it unique).
    static func uuid(runID: String) -> String {
        let hex = sha256Hex(Array("churnd-model-\(runID)".utf8))
        return String(hex.prefix(32))
    }

    static func yamlString(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// The loader module: no pickles, only JSON; numpy and pandas, and xgboost for an xgboost model.
    package static let loader = #"""
        """A churnd model (model.json) as an MLflow pyfunc model, written by churnd.

        It predicts what `churnd score` predicts for the same rows: numeric fields are parsed (the schema's
        missing markers mean the training median), imputed and standardised; categorical fields are trimmed,
        normalised as the model records and one-hot encoded over the levels seen in training (unknown levels
        are all zeros). Then the logistic coefficients, or the XGBoost booster in model.xgb.json.
        """
        import json
        import math
        import os

        import numpy as np
        import pandas as pd


        def _load_pyfunc(data_path):
            return ChurndModel(data_path)


        def _text(value):
            if value is None:
                return ""
            if isinstance(value, float) and math.isnan(value):
                return ""
            return str(value).strip(" \t")


        class ChurndModel:
            def __init__(self, path):
                with open(path, encoding="utf-8") as handle:
                    self.artifact = json.load(handle)
                artifact = self.artifact
                self.version = artifact.get("version")
                self.family = artifact["family"]
                self.threshold = float(artifact["threshold"])
                self.missing = set(_text(m) for m in artifact["schema"].get("missing", [""]))
                self.preprocessing = artifact["preprocessing"]
                self.booster = None
                if artifact.get("xgboost"):
                    import xgboost

                    self.booster = xgboost.Booster(
                        model_file=os.path.join(os.path.dirname(path), "model.xgb.json"))
                    self.booster.set_param({"nthread": 1})

            def encode(self, frame):
                numeric = self.preprocessing["numeric"]
                categorical = self.preprocessing["categorical"]
                width = len(numeric) + sum(
                    len(c["levels"]) + (1 if c["hasMissingLevel"] else 0) for c in categorical)
                rows = len(frame)
                matrix = np.zeros((rows, width), dtype=np.float64)
                for k, feature in enumerate(numeric):
                    name = feature["name"]
                    if name not in frame.columns:
                        raise ValueError(f"the input has no column {name!r}")
                    scale = 1.0 / feature["std"]
                    column = matrix[:, k]
                    for i, value in enumerate(frame[name].tolist()):
                        if isinstance(value, (int, float)) and not isinstance(value, bool):
                            number = float(value)
                        else:
                            text = _text(value)
                            number = math.nan if text in self.missing else float(text)
                        if math.isnan(number):
                            number = feature["median"]
                        column[i] = (number - feature["mean"]) * scale
                offset = len(numeric)
                for feature in categorical:
                    name = feature["name"]
                    if name not in frame.columns:
                        raise ValueError(f"the input has no column {name!r}")
                    levels = {level: offset + j for j, level in enumerate(feature["levels"])}
                    missing_column = offset + len(feature["levels"]) if feature["hasMissingLevel"] else -1
                    normalize = feature.get("normalize") or "trim"
                    for i, value in enumerate(frame[name].tolist()):
                        text = _text(value)
                        if text in self.missing:
                            column = missing_column
                        else:
                            if normalize == "lower":
                                text = text.lower()
                            elif normalize == "upper":
                                text = text.upper()
                            column = levels.get(text, -1)
                        if column >= 0:
                            matrix[i, column] = 1.0
                    offset += len(feature["levels"]) + (1 if feature["hasMissingLevel"] else 0)
                return matrix

            def probabilities(self, frame):
                matrix = self.encode(frame)
                if self.booster is not None:
                    import xgboost

                    rows = xgboost.DMatrix(matrix.astype(np.float32), missing=np.nan)
                    return self.booster.predict(rows, validate_features=False).astype(np.float64)
                logistic = self.artifact["logistic"]
                z = matrix @ np.asarray(logistic["coefficients"], dtype=np.float64) + logistic["intercept"]
                return 1.0 / (1.0 + np.exp(-z))

            def predict(self, model_input, params=None):
                frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
                probability = self.probabilities(frame)
                return pd.DataFrame({
                    "churn_probability": probability,
                    "churn_prediction": (probability >= self.threshold).astype(np.int64),
                })
        """#
}
