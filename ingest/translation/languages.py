"""Language codes: callmon speaks ISO 639-1 ("en"), Apertium mostly ISO 639-3 ("eng").

Apertium's older pairs still use two-letter codes ("es-fr") and some carry a
variant ("spa-eng_US"); `to_iso1()` folds all of them into one spelling.
"""

from __future__ import annotations

# ISO 639-3 (and the ISO 639-2/B spellings some engines use) -> ISO 639-1,
# for the languages that Apertium, DeepL and LibreTranslate offer.
ISO3_TO_ISO1: dict[str, str] = {
    "afr": "af",
    "ara": "ar",
    "arg": "an",
    "bel": "be",
    "bre": "br",
    "bul": "bg",
    "cat": "ca",
    "ces": "cs",
    "cze": "cs",
    "cym": "cy",
    "dan": "da",
    "deu": "de",
    "ger": "de",
    "ell": "el",
    "gre": "el",
    "eng": "en",
    "epo": "eo",
    "est": "et",
    "eus": "eu",
    "baq": "eu",
    "fin": "fi",
    "fra": "fr",
    "fre": "fr",
    "gle": "ga",
    "glg": "gl",
    "hbs": "sh",
    "heb": "he",
    "hin": "hi",
    "hrv": "hr",
    "hun": "hu",
    "ind": "id",
    "isl": "is",
    "ice": "is",
    "ita": "it",
    "jpn": "ja",
    "kor": "ko",
    "lav": "lv",
    "lit": "lt",
    "mkd": "mk",
    "mac": "mk",
    "msa": "ms",
    "zlm": "ms",
    "nld": "nl",
    "dut": "nl",
    "nno": "nn",
    "nob": "nb",
    "nor": "no",
    "oci": "oc",
    "pol": "pl",
    "por": "pt",
    "ron": "ro",
    "rum": "ro",
    "rus": "ru",
    "slk": "sk",
    "slv": "sl",
    "spa": "es",
    "srd": "sc",
    "srp": "sr",
    "swe": "sv",
    "tur": "tr",
    "ukr": "uk",
    "urd": "ur",
    "vie": "vi",
    "zho": "zh",
    "chi": "zh",
}


def to_iso1(code: str) -> str:
    """ "eng", "EN", "en-US", "spa_ES" -> "en" / "es"; unknown codes come back lower-cased.

    Languages without a two-letter code (Asturian "ast") keep their three letters.
    """
    base = code.strip().replace("_", "-").split("-", 1)[0].lower()
    return ISO3_TO_ISO1.get(base, base)


def is_variant(code: str) -> bool:
    """True for regional variants such as Apertium's "eng_US" (we use the plain pair)."""
    return "_" in code or "-" in code
