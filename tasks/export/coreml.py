"""Core ML export (mlprogram, iOS 16+, fp16) with a flexible sequence length, plus checks.

Linux can build and inspect an .mlpackage but not run it: ``check_coreml_spec`` reads the spec with
``skip_model_load=True``; ``coreml_parity`` runs predictions only on macOS and otherwise reports
"needs macOS" instead of a number.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

from models.ondevice import NGRAM_INPUTS, OUTPUT_NAME, TEXT_INPUTS
from tasks.export.torch_module import SpamProbabilityModule

NEEDS_MACOS = "needs macOS: Core ML predictions run only on darwin; the spec was checked on this platform"
COREML_MIN_SEQ = 1


def convert_coreml(module: SpamProbabilityModule, max_seq_len: int, out_path: Path, fp16: bool = True) -> Path:
    """Trace the module and convert it to an .mlpackage with seq length 1..max_seq_len (n-gram inputs: fixed shape)."""
    import coremltools as ct

    example = tuple(module.sample_inputs(16).values())
    with torch.inference_mode(False), torch.no_grad():
        traced = torch.jit.trace(module.eval(), example)
    seq = ct.RangeDim(lower_bound=COREML_MIN_SEQ, upper_bound=max_seq_len, default=min(64, max_seq_len))
    inputs = [ct.TensorType(name=name, shape=(1, seq), dtype=np.int32) for name in TEXT_INPUTS]
    if module.ngram_shape is not None:
        inputs += [ct.TensorType(name=name, shape=(1, *module.ngram_shape), dtype=np.int32) for name in NGRAM_INPUTS]
    mlmodel = ct.convert(
        traced,
        inputs=inputs,
        outputs=[ct.TensorType(name=OUTPUT_NAME, dtype=np.float32)],
        convert_to="mlprogram",
        minimum_deployment_target=ct.target.iOS16,
        compute_precision=ct.precision.FLOAT16 if fp16 else ct.precision.FLOAT32,
    )
    mlmodel.short_description = "SMS spam probability (spamloop). Inputs: WordPiece ids + mask, n-gram ids + mask; see bundle.json."
    out_path.parent.mkdir(parents=True, exist_ok=True)
    mlmodel.save(str(out_path))
    return out_path


def coreml_spec_summary(package: Path) -> dict[str, Any]:
    """Inputs/outputs (name, type, shape range) and spec version of an .mlpackage, readable on Linux."""
    import coremltools as ct

    spec = ct.models.MLModel(str(package), skip_model_load=True).get_spec()
    array_type = ct.proto.FeatureTypes_pb2.ArrayFeatureType

    def describe(feature: Any) -> dict[str, Any]:
        multi = feature.type.multiArrayType
        ranges = [[r.lowerBound, r.upperBound] for r in multi.shapeRange.sizeRanges]
        return {
            "dtype": array_type.ArrayDataType.Name(multi.dataType),
            "shape": list(multi.shape),
            "ranges": ranges,
        }

    return {
        "specification_version": spec.specificationVersion,
        "model_type": spec.WhichOneof("Type"),
        "inputs": {feature.name: describe(feature) for feature in spec.description.input},
        "outputs": {feature.name: describe(feature) for feature in spec.description.output},
    }


def check_coreml_spec(package: Path, max_seq_len: int, ngram_shape: tuple[int, int] | None = None) -> list[str]:
    """Problems with the .mlpackage's interface (empty when it matches the contract): text inputs of flexible length
    1..max_seq_len and, when ``ngram_shape`` (groups, k) is given, fixed-shape n-gram inputs, all INT32."""
    summary = coreml_spec_summary(package)
    problems: list[str] = []
    if summary["model_type"] != "mlProgram":
        problems.append(f"Core ML model type is {summary['model_type']}, want mlProgram")
    if summary["specification_version"] < 7:  # 7 = iOS 16
        problems.append(f"Core ML spec version {summary['specification_version']} < 7 (iOS 16)")
    wanted = [*TEXT_INPUTS, *(NGRAM_INPUTS if ngram_shape is not None else ())]
    if sorted(summary["inputs"]) != sorted(wanted):
        problems.append(f"Core ML inputs are {sorted(summary['inputs'])}, want {sorted(wanted)}")
    for name, detail in summary["inputs"].items():
        if detail["dtype"] != "INT32":
            problems.append(f"Core ML input {name} is {detail['dtype']}, want INT32")
        if name in NGRAM_INPUTS and ngram_shape is not None:
            if detail["shape"] != [1, *ngram_shape]:
                problems.append(f"Core ML input {name} shape {detail['shape']} != [1, {ngram_shape[0]}, {ngram_shape[1]}]")
        elif detail["ranges"] != [[1, 1], [COREML_MIN_SEQ, max_seq_len]]:
            problems.append(f"Core ML input {name} shape range {detail['ranges']} != [[1,1],[1,{max_seq_len}]]")
    if list(summary["outputs"]) != [OUTPUT_NAME]:
        problems.append(f"Core ML outputs are {list(summary['outputs'])}, want [{OUTPUT_NAME}]")
    elif summary["outputs"][OUTPUT_NAME]["dtype"] != "FLOAT32":
        problems.append(f"Core ML output dtype {summary['outputs'][OUTPUT_NAME]['dtype']}, want FLOAT32")
    return problems


def coreml_parity(
    package: Path,
    encoded: list[list[int]],
    reference: list[float],
    ngram_inputs: list[dict[str, list[list[list[int]]]]] | None = None,
) -> tuple[float | None, str | None]:
    """(max |Δ| vs reference, None) on macOS; (None, "needs macOS ...") elsewhere."""
    if sys.platform != "darwin":
        return None, NEEDS_MACOS
    import coremltools as ct

    mlmodel = ct.models.MLModel(str(package))
    worst = 0.0
    for position, (ids, expected) in enumerate(zip(encoded, reference, strict=True)):
        inputs = {
            "input_ids": np.asarray([ids], dtype=np.int32),
            "attention_mask": np.ones((1, len(ids)), dtype=np.int32),
        }
        if ngram_inputs is not None:
            inputs.update({name: np.asarray(values, dtype=np.int32) for name, values in ngram_inputs[position].items()})
        got = float(np.asarray(mlmodel.predict(inputs)[OUTPUT_NAME]).reshape(-1)[0])
        worst = max(worst, abs(got - expected))
    return worst, None
