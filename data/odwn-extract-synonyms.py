"""Groups from ODWN's synonyms.tsv (cltl/OpenDutchWordnet, 2016): lemma + its synonyms per line; drops words on more than MAX lines. Usage: odwn-extract-synonyms.py synonyms.tsv MAX"""
import re, sys
from collections import defaultdict
max_senses=int(sys.argv[2])
word = re.compile(r"^[a-zà-ÿ][a-zà-ÿ-]*[a-zà-ÿ]$")
groups=[]
for i,line in enumerate(open(sys.argv[1],encoding='utf-8')):
    if i==0: continue
    ws=sorted({w.strip().lower() for w in line.rstrip('\n').split('\t') if word.match(w.strip().lower()) and len(w.strip())>=3})
    if len(ws)>=2: groups.append(tuple(ws))
groups=sorted(set(groups))
senses=defaultdict(int)
for g in groups:
    for w in g: senses[w]+=1
out=sorted({tuple(w for w in g if senses[w]<=max_senses) for g in groups})
out=[g for g in out if len(g)>=2]
for g in out: print(' '.join(g))
print(len(out),'groups',len({w for g in out for w in g}),'words',file=sys.stderr)
