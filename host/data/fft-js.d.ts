/** Types for fft.js (indutny), which ships none: the radix-4 FFT the augmentations use. */
declare module "fft.js" {
  /** Interleaved complex (re, im, re, im, ...) output: a plain array or a Float64Array. */
  type Out = number[] | Float64Array;
  export default class FFT {
    constructor(size: number);
    readonly size: number;
    createComplexArray(): number[];
    realTransform(out: Out, input: ArrayLike<number>): void;
    completeSpectrum(spectrum: Out): void;
    transform(out: Out, input: ArrayLike<number>): void;
    inverseTransform(out: Out, input: ArrayLike<number>): void;
  }
}
