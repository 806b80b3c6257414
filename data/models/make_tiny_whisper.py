"""Generate data/models/whisper-tiny-random: a ~1 MB randomly initialised Whisper.

Its words are meaningless; it exists so tests and benchmarks run the real
faster-whisper / CTranslate2 code path offline, with no model download.

Needs torch and transformers (generation only; the committed folder needs
neither):

    pip install torch==2.13.0 transformers
    python data/models/make_tiny_whisper.py            # writes the folder
    HF_HUB_OFFLINE=1 python data/models/make_tiny_whisper.py --check
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "whisper-tiny-random"
SEED = 20240611
D_MODEL = 64
NUM_MEL_BINS = 80
TIMESTAMPS = 1501  # <|0.00|> .. <|30.00|> in steps of 0.02 s


def special_tokens() -> list[str]:
    """Whisper's special tokens in Whisper's own order (faster-whisper relies on it:
    the timestamp tokens must directly follow <|notimestamps|>)."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return [
        "<|endoftext|>",
        "<|startoftranscript|>",
        *(f"<|{code}|>" for code in _LANGUAGE_CODES),
        "<|translate|>",
        "<|transcribe|>",
        "<|startoflm|>",
        "<|startofprev|>",
        "<|nospeech|>",
        "<|notimestamps|>",
        *(f"<|{i * 0.02:.2f}|>" for i in range(TIMESTAMPS)),
    ]


def build_tokenizer():  # -> tokenizers.Tokenizer
    """Byte-level BPE with the 256 byte symbols and no merges, plus specials."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {symbol: index for index, symbol in enumerate(sorted(alphabet))}
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens(special_tokens())
    return tokenizer


def build_model(tokenizer, folder: Path) -> None:
    """Save a random WhisperForConditionalGeneration + tokenizer in HF format."""
    import torch
    from transformers import (
        GenerationConfig,
        PreTrainedTokenizerFast,
        WhisperConfig,
        WhisperForConditionalGeneration,
    )

    torch.manual_seed(SEED)
    ids = tokenizer.get_vocab()
    eot, sot = ids["<|endoftext|>"], ids["<|startoftranscript|>"]
    config = WhisperConfig(
        vocab_size=tokenizer.get_vocab_size(),
        num_mel_bins=NUM_MEL_BINS,
        d_model=D_MODEL,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=4 * D_MODEL,
        decoder_ffn_dim=4 * D_MODEL,
        max_source_positions=1500,
        max_target_positions=448,
        pad_token_id=eot,
        bos_token_id=eot,
        eos_token_id=eot,
        decoder_start_token_id=sot,
    )
    model = WhisperForConditionalGeneration(config).eval()
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    model.generation_config = GenerationConfig(
        decoder_start_token_id=sot,
        eos_token_id=eot,
        pad_token_id=eot,
        suppress_tokens=[],
        begin_suppress_tokens=[ids["Ġ"], eot],
        lang_to_id={f"<|{code}|>": ids[f"<|{code}|>"] for code in _LANGUAGE_CODES},
        alignment_heads=[[0, 0], [0, 1]],
    )
    model.save_pretrained(folder)
    specials = special_tokens()
    PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<|endoftext|>",
        eos_token="<|endoftext|>",
        unk_token="<|endoftext|>",
        additional_special_tokens=specials[1:],
    ).save_pretrained(folder)


def preprocessor_config() -> dict[str, int]:
    """What faster-whisper's FeatureExtractor reads (mel filters are computed)."""
    return {
        "feature_size": NUM_MEL_BINS,
        "sampling_rate": 16000,
        "hop_length": 160,
        "chunk_length": 30,
        "n_fft": 400,
    }


def generate(output: Path) -> None:
    from ctranslate2.converters import TransformersConverter

    tokenizer = build_tokenizer()
    with tempfile.TemporaryDirectory() as scratch:
        hf_folder = Path(scratch) / "hf"
        build_model(tokenizer, hf_folder)
        (hf_folder / "preprocessor_config.json").write_text(json.dumps(preprocessor_config()))
        if output.exists():
            shutil.rmtree(output)
        TransformersConverter(
            str(hf_folder), copy_files=["tokenizer.json", "preprocessor_config.json"]
        ).convert(str(output), quantization="float32")
    (output / "README.md").write_text(
        "Randomly initialised Whisper (d_model 64, 1 encoder + 1 decoder layer) for tests.\n"
        "Its transcripts are meaningless. Regenerate with data/models/make_tiny_whisper.py.\n"
    )
    size = sum(path.stat().st_size for path in output.iterdir())
    print(f"wrote {output} ({size / 1e6:.2f} MB)")


def check(output: Path) -> None:
    """Load with faster-whisper (set HF_HUB_OFFLINE=1 to prove no hub access)."""
    import numpy as np
    from faster_whisper import WhisperModel

    model = WhisperModel(str(output), device="cpu", compute_type="int8")
    audio = np.random.default_rng(0).normal(0, 0.1, 16000 * 2).astype(np.float32)
    segments, info = model.transcribe(audio, beam_size=1)
    texts = [segment.text for segment in segments]
    print(f"multilingual={model.model.is_multilingual} language={info.language} texts={texts!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="only load and transcribe noise")
    args = parser.parse_args()
    if not args.check:
        generate(args.output)
    check(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
