/** simdnet's layers against real Keras's goldens on the scalar wasm build (see layers_vs_keras.ts). */
import { describeLayersVsKeras } from "./layers_vs_keras.js";

describeLayersVsKeras("scalar");
