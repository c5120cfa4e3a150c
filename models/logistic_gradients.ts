// The binary log loss's first and second derivatives per row at its margin, and the loss
// itself, in one pass (one exp and one log per row).

/** Hessians never fall below this, so a confidently right row still bounds its leaf. */
const MIN_HESSIAN = 1e-16;

/**
 * Writes grad and hess for rows [begin, end) and returns their weighted loss sum; the weight
 * sum is the caller's (it does not change from round to round).
 */
export function logisticGradients(
  margins: Float64Array,
  labels: Uint8Array,
  weights: Float64Array,
  grad: Float32Array,
  hess: Float32Array,
  begin: number,
  end: number,
): number {
  let loss = 0;
  for (let i = begin; i < end; i++) {
    const m = margins[i];
    const e = Math.exp(-Math.abs(m));
    const p = m >= 0 ? 1 / (1 + e) : e / (1 + e);
    const y = labels[i];
    const w = weights[i];
    grad[i] = (p - y) * w;
    const h = p * (1 - p);
    hess[i] = (h > MIN_HESSIAN ? h : MIN_HESSIAN) * w;
    loss += w * (Math.log1p(e) + (m > 0 ? m : 0) - y * m);
  }
  return loss;
}
