"""The competitor of `tomtat batch`: a plain sumy LexRank script doing the same job.

    python bench/lexrank_script.py IN.jsonl -o OUT.jsonl [--words N]

Reads AbMuSu-format stories (one JSON object per line), summarizes each with sumy's LexRank under a
syllable budget (whole sentences; ones that do not fit are skipped), and writes one JSON line per story
like `tomtat batch` does. It is self-contained on purpose (no tomtat import): it is what a user would
write with sumy. sumy's own tokenizers need nltk's punkt data, which is not available offline, so
sentences and words come from two small regular expressions instead.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata

from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.summarizers.lex_rank import LexRankSummarizer

WORD = re.compile(r"\w+")
SENTENCE_END = re.compile(r"(?<=[.!?…])[”\"')\]]*\s+(?=[\w“\"'(\[])")


class RegexTokenizer:
    language = "vietnamese"

    def to_sentences(self, paragraph: str) -> list[str]:
        return [s.strip() for s in SENTENCE_END.split(paragraph) if s.strip()]

    def to_words(self, sentence: str) -> list[str]:
        return WORD.findall(sentence.lower())


def summarize(documents: list[dict], words: int, tokenizer: RegexTokenizer) -> dict:
    paragraphs = []
    for document in documents:
        text = unicodedata.normalize("NFC", document.get("raw_text") or document.get("anchor_text") or "")
        sentences = [
            Sentence(s, tokenizer) for line in text.split("\n") for s in tokenizer.to_sentences(line)
        ]
        paragraphs.append(Paragraph(sentences))
    document_model = ObjectDocumentModel(paragraphs)

    def fill_budget(ranked: list) -> list:
        chosen, remaining = [], words
        for info in ranked:
            length = len(WORD.findall(str(info.sentence)))
            if 0 < length <= remaining:
                chosen.append(info)
                remaining -= length
        return chosen

    picked = [str(s) for s in LexRankSummarizer()(document_model, fill_budget)] if paragraphs else []
    summary = " ".join(picked)
    return {"summary": summary, "sentences": picked, "words": words, "length": len(WORD.findall(summary))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--words", type=int, default=200)
    args = parser.parse_args()
    tokenizer = RegexTokenizer()
    with open(args.input, encoding="utf-8") as source, open(args.output, "w", encoding="utf-8") as target:
        for number, line in enumerate(source, start=1):
            if not line.strip():
                continue
            try:
                record = summarize(json.loads(line)["single_documents"], args.words, tokenizer)
            except (ValueError, KeyError, TypeError) as error:
                record = {"error": {"line": number, "message": str(error)}}
            target.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
