// The binary log loss's first and second derivatives per row at its margin, and the loss
// itself, in one pass (one exp and one log per row).

/** Hessians never fall below this, so a confidently right row still bounds its leaf. */
const MIN_HESSIAN = 1e-16;

/**
 * Rows whose factors (1 + e), each in [1, 2], are multiplied before one logarithm: their
 * product stays below 2^1000, far from overflow, and rounds by about 1e-13 relative, which the
 * logged loss does not see.
 */
const PRODUCT_ROWS = 1000;

/**
 * Writes grad and hess for rows [begin, end) and returns their weighted loss sum; the weight
 * sum is the caller's (it does not change from round to round). The loss's log(1 + e) terms of
 * rows of weight 1 are summed as the logarithm of their product, one logarithm per
 * PRODUCT_ROWS rows instead of one per row (a third of the pass's time).
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
  let product = 1;
  let factors = 0;
  for (let i = begin; i < end; i++) {
    const m = margins[i];
    const e = Math.exp(-Math.abs(m));
    const q = 1 / (1 + e);
    const p = m >= 0 ? q : e * q;
    const y = labels[i];
    const w = weights[i];
    grad[i] = (p - y) * w;
    // p (1 - p) = e / (1 + e)^2 on either side of zero.
    const h = e * q * q;
    hess[i] = (h > MIN_HESSIAN ? h : MIN_HESSIAN) * w;
    // log(1 + e) rather than log1p(e): faster, and e <= 1 keeps it accurate to 1e-16.
    if (w === 1) {
      product *= 1 + e;
      if (++factors === PRODUCT_ROWS) {
        loss += Math.log(product);
        product = 1;
        factors = 0;
      }
    } else {
      loss += w * Math.log(1 + e);
    }
    loss += w * ((m > 0 ? m : 0) - y * m);
  }
  return loss + Math.log(product);
}
