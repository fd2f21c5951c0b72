import type { PlattCalibration } from './linear-model.js';

/**
 * Platt scaling: the slope and intercept that make σ(slope · logit + intercept) the best
 * probability (weighted log loss) for the labels, fit by Newton's method. Targets are Platt's
 * smoothed ones ((N₊ + 1)/(N₊ + 2) and 1/(N₋ + 2)), so a small calibration set cannot push
 * scores all the way to 0 or 1.
 */
export function fitPlatt(logits: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): PlattCalibration {
  let positive = 0;
  let negative = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) positive += weights?.[i] ?? 1;
    else negative += weights?.[i] ?? 1;
  }
  if (positive === 0 || negative === 0) throw new Error('Platt scaling needs positive and negative examples');
  const highTarget = (positive + 1) / (positive + 2);
  const lowTarget = 1 / (negative + 2);

  let slope = 1;
  let intercept = Math.log((positive + 1) / (negative + 1));
  const ridge = 1e-9;
  for (let iteration = 0; iteration < 100; iteration++) {
    // Gradient and Hessian of the weighted log loss in (slope, intercept).
    let gradientSlope = 0;
    let gradientIntercept = 0;
    let hessianSlope = ridge;
    let hessianIntercept = ridge;
    let hessianCross = 0;
    for (let i = 0; i < logits.length; i++) {
      const weight = weights?.[i] ?? 1;
      const target = labels[i] === 1 ? highTarget : lowTarget;
      const probability = 1 / (1 + Math.exp(-(slope * logits[i] + intercept)));
      const error = weight * (probability - target);
      const curvature = weight * probability * (1 - probability);
      gradientSlope += error * logits[i];
      gradientIntercept += error;
      hessianSlope += curvature * logits[i] * logits[i];
      hessianIntercept += curvature;
      hessianCross += curvature * logits[i];
    }
    const determinant = hessianSlope * hessianIntercept - hessianCross * hessianCross;
    if (determinant <= 0) break;
    const stepSlope = (hessianIntercept * gradientSlope - hessianCross * gradientIntercept) / determinant;
    const stepIntercept = (hessianSlope * gradientIntercept - hessianCross * gradientSlope) / determinant;
    slope -= stepSlope;
    intercept -= stepIntercept;
    if (Math.abs(stepSlope) + Math.abs(stepIntercept) < 1e-10) break;
  }
  return { slope, intercept };
}
