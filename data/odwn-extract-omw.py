#!/usr/bin/env python3
"""Synonym groups for buurtgraph from the Open Dutch WordNet (OMW's wn-data-nld.tab).

Usage: odwn-extract.py wn-data-nld.tab MAX_SENSES > data/wordnet-nl.txt
Keeps single-word lemmas (letters and hyphens) of nouns, verbs and adjectives; drops
words in more than MAX_SENSES synsets (polysemous words pull unrelated questions
together), then synsets left with fewer than two words. Prints one synset per line."""
import re, sys, unicodedata
from collections import defaultdict

path, max_senses = sys.argv[1], int(sys.argv[2])
word = re.compile(r"^[a-zà-ÿ][a-zà-ÿ-]*[a-zà-ÿ]$")
synsets = defaultdict(set)
for line in open(path, encoding="utf-8"):
    if line.startswith("#"):
        continue
    offset, kind, lemma = line.rstrip("\n").split("\t")[:3]
    pos = offset[-1]
    if kind != "nld:lemma" or pos not in "nvas":
        continue
    lemma = lemma.strip().lower()
    if word.match(lemma) and len(lemma) >= 3:
        synsets[offset[:-1] + ("a" if pos == "s" else pos)].add(lemma)
senses = defaultdict(int)
for words in synsets.values():
    for w in words:
        senses[w] += 1
groups = sorted(
    sorted(w for w in words if senses[w] <= max_senses) for words in synsets.values()
)
groups = [g for g in groups if len(g) >= 2]
for g in groups:
    print(" ".join(g))
print(f"{len(groups)} groups, {len({w for g in groups for w in g})} words", file=sys.stderr)
