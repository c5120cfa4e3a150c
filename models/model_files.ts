// The files a version of a model asset holds, beside each other in its lake location: written by
// models.fraud_detector, read by gold.order_risk_scores and by serve.

export const MODEL_FILES = {
  /** The TreeModel as JSON (what serving and the trainer's scoring read). */
  model: "model.json",
  /** The same ensemble as ONNX, for onnxruntime. */
  onnx: "model.onnx",
  /** The report (the materialization's metadata) as a file. */
  report: "report.json",
  /** Each feature's training distribution, for drift (models/feature_drift.ts). */
  profile: "feature_profile.json",
} as const;
