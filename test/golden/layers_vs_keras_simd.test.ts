/** simdnet's layers against real Keras's goldens on the simd wasm build (see layers_vs_keras.ts). */
import { describeLayersVsKeras } from "./layers_vs_keras.js";

describeLayersVsKeras("simd");
