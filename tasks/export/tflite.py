"""TFLite export through litert-torch: one file, one fixed-length signature per sequence length.

A dynamic sequence length does not convert (docs/stack notes), so each length in ``seq_lengths`` gets
its own signature ``seq_<n>`` over shared weights. Inputs are int32 ``input_ids`` and ``attention_mask``
[1, n] and, for a wide & deep model (bundle format 2), int32 ``ngram_ids`` and ``ngram_mask`` [1, groups, k];
the output is ``spam_probability`` float32 [1]. int8 is dynamic-range (int8 weights, float
activations) through ai-edge-quantizer. Labels, tokenizer settings and vocab are embedded as
flatbuffer metadata entries, copies of the bundle files, for tools that only see the model file.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from models.ondevice import NGRAM_INPUTS, OUTPUT_NAME, TEXT_INPUTS, signature_name
from tasks.export.torch_module import NamedOutputModule, SpamProbabilityModule

logger = logging.getLogger(__name__)

METADATA_PREFIX = "spamloop."


def convert_tflite_fp32(module: SpamProbabilityModule, seq_lengths: list[int], out_path: Path) -> Path:
    """Convert the module to an fp32 .tflite with one signature per length; returns ``out_path``."""
    import litert_torch

    named = NamedOutputModule(module).eval()
    converter = litert_torch.Converter()
    for length in seq_lengths:
        converter.signature(signature_name(length), named, sample_kwargs=module.sample_inputs(length))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    edge_model = converter.convert()
    edge_model.export(str(out_path))
    return out_path


def quantize_dynamic_int8(fp32_path: Path, out_path: Path, embedding_scales: str = "per_row") -> Path:
    """Dynamic-range int8 (per-channel int8 weights, float activations) copy of an fp32 .tflite.

    ``embedding_scales`` ``per_tensor`` gives the embedding lookups (the WordPiece and n-gram tables) one scale per
    table instead of one per row: ai-edge-quantizer stores about 12 bytes of scale and zero point per row, which is
    38 % on top of a 32-wide table (a 2^14 x 32 n-gram table: 0.72 MB per row, 0.52 MB per tensor).
    """
    import copy

    from ai_edge_quantizer import quantizer, recipe

    quantization = recipe.dynamic_wi8_afp32()
    if embedding_scales == "per_tensor":
        lookups = copy.deepcopy(quantization[0])
        lookups["operation"] = "EMBEDDING_LOOKUP"
        lookups["op_config"]["weight_tensor_config"]["granularity"] = "TENSORWISE"
        quantization.append(lookups)  # a later entry wins for the ops it names
    elif embedding_scales != "per_row":
        raise ValueError(f"embedding_scales must be per_row or per_tensor, got {embedding_scales!r}")
    quantizer_ = quantizer.Quantizer(bytearray(fp32_path.read_bytes()), quantization)
    result = quantizer_.quantize(enable_progress_report=False)
    if result.quantized_model is None:
        raise RuntimeError(f"ai-edge-quantizer returned no model for {fp32_path}")
    out_path.write_bytes(bytes(result.quantized_model))
    return out_path


def finalize_tflite(tflite_path: Path, entries: dict[str, bytes], short_names: bool = True) -> None:
    """Add (or replace) metadata buffers ``spamloop.<name>`` and shorten internal tensor names, in place.

    litert-torch names every tensor after its full module path (hundreds of characters each, per
    signature): about a quarter of the int8 file. Signature inputs/outputs keep their names.
    """
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model_from_bytearray(bytearray(tflite_path.read_bytes()))
    if short_names:
        for graph_index, subgraph in enumerate(model.subgraphs):
            keep = set(subgraph.inputs or []) | set(subgraph.outputs or [])
            for position, tensor in enumerate(subgraph.tensors):
                if position not in keep:  # unique across subgraphs: ai-edge-quantizer requires it
                    tensor.name = f"s{graph_index}t{position}"
    wanted = {METADATA_PREFIX + name for name in entries}
    model.metadata = [entry for entry in (model.metadata or []) if _metadata_name(entry) not in wanted]
    for name, payload in entries.items():
        buffer = schema.BufferT()
        buffer.data = np.frombuffer(payload, dtype=np.uint8).copy()
        model.buffers.append(buffer)
        metadata = schema.MetadataT()
        metadata.name = METADATA_PREFIX + name
        metadata.buffer = len(model.buffers) - 1
        model.metadata.append(metadata)
    tmp_path = tflite_path.with_suffix(".tmp")
    tmp_path.write_bytes(bytes(flatbuffer_utils.convert_object_to_bytearray(model)))
    tmp_path.replace(tflite_path)


def _metadata_name(entry: Any) -> str:
    name = entry.name
    return name.decode() if isinstance(name, bytes) else str(name)


def read_metadata(tflite_path: Path) -> dict[str, bytes]:
    """The ``spamloop.*`` metadata entries of a .tflite file, by short name."""
    from ai_edge_litert import schema_py_generated as schema

    data = tflite_path.read_bytes()
    model = schema.Model.GetRootAs(data, 0)
    found: dict[str, bytes] = {}
    for position in range(model.MetadataLength()):
        entry = model.Metadata(position)
        name = entry.Name().decode()
        if not name.startswith(METADATA_PREFIX):
            continue
        buffer = model.Buffers(entry.Buffer())
        if buffer.Offset():  # large models keep buffer data after the flatbuffer
            payload = data[buffer.Offset() : buffer.Offset() + buffer.Size()]
        else:
            payload = buffer.DataAsNumpy().tobytes()
        found[name[len(METADATA_PREFIX) :]] = payload
    return found


def signature_summary(tflite_path: Path) -> dict[str, dict[str, Any]]:
    """Per signature: input names/dtypes/shapes and output names/dtypes/shapes (what the phone binds to)."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(tflite_path), num_threads=1)
    summary: dict[str, dict[str, Any]] = {}
    for name in interpreter.get_signature_list():
        runner = interpreter.get_signature_runner(name)
        summary[name] = {
            "inputs": {
                key: {"dtype": np.dtype(detail["dtype"]).name, "shape": [int(v) for v in detail["shape"]]}
                for key, detail in runner.get_input_details().items()
            },
            "outputs": {
                key: {"dtype": np.dtype(detail["dtype"]).name, "shape": [int(v) for v in detail["shape"]]}
                for key, detail in runner.get_output_details().items()
            },
        }
    return summary


def check_signatures(tflite_path: Path, seq_lengths: list[int], ngram_shape: tuple[int, int] | None = None) -> list[str]:
    """Problems with the signatures of a .tflite file (empty when it matches the contract): exactly the text inputs
    and, when ``ngram_shape`` (groups, k) is given, the n-gram inputs, all int32."""
    summary = signature_summary(tflite_path)
    problems: list[str] = []
    expected = {signature_name(length): length for length in seq_lengths}
    if set(summary) != set(expected):
        problems.append(f"{tflite_path.name}: signatures {sorted(summary)} != {sorted(expected)}")
    for name, length in expected.items():
        if name not in summary:
            continue
        inputs, outputs = summary[name]["inputs"], summary[name]["outputs"]
        wanted = {input_name: [1, length] for input_name in TEXT_INPUTS}
        if ngram_shape is not None:
            wanted.update({input_name: [1, *ngram_shape] for input_name in NGRAM_INPUTS})
        if set(inputs) != set(wanted):
            problems.append(f"{tflite_path.name}:{name}: inputs {sorted(inputs)} != {sorted(wanted)}")
        for input_name, shape in wanted.items():
            detail = inputs.get(input_name)
            if detail != {"dtype": "int32", "shape": shape}:
                problems.append(f"{tflite_path.name}:{name}: input {input_name} is {detail}, want int32 {shape}")
        if outputs.get(OUTPUT_NAME) != {"dtype": "float32", "shape": [1]}:
            problems.append(f"{tflite_path.name}:{name}: output {OUTPUT_NAME} is {outputs.get(OUTPUT_NAME)}")
    return problems


def metadata_entries(
    labels_json: bytes,
    tokenizer_json: bytes,
    vocab_txt: bytes,
    model_card: dict[str, Any],
    ngrams_json: bytes | None = None,
) -> dict[str, bytes]:
    """The metadata entries every exported .tflite carries (same bytes as the bundle files)."""
    entries = {
        "labels.json": labels_json,
        "tokenizer.json": tokenizer_json,
        "vocab.txt": vocab_txt,
        "model_card.json": json.dumps(model_card, ensure_ascii=False, sort_keys=True).encode(),
    }
    if ngrams_json is not None:
        entries["ngrams.json"] = ngrams_json
    return entries
