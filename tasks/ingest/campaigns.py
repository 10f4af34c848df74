"""Near-duplicate campaigns: messages from one template (numbers, URLs changed) share a campaign.

Same ``template_key`` -> same campaign, found by an exact template hash lookup. A template not seen
before is compared with MinHash (char 3-gram shingles of the template key) + MinHashLSH against every
template in the persisted index (``corpus/campaigns.parquet``), so campaign ids are stable across
runs. A campaign id is the message id of the campaign's first member.

A text with no letter or digit of its own (emoji, punctuation or placeholders only: ``🔥🔥``, ``!!!``, ``[PHONE]``)
has an empty template once the placeholders are set aside; such texts share nothing a label could be spread by,
so by default each is its own campaign (``group_contentless=False``).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl
from datasketch import MinHash, MinHashLSH
from datasketch.hashfunc import sha1_hash32

from models.schemas import CAMPAIGNS_SCHEMA

SHINGLE_CHARS = 3
_SEED = 1  # datasketch's default; fixed so signatures stay comparable across runs
# Placeholder names as template_key writes them ("[PHONE]" -> "phone"); a URL's domain stays (it is content).
_PLACEHOLDER_WORDS = re.compile("url|email|phone|rrn|card|account")


def has_content(template_key: str) -> bool:
    """True when a template keeps a letter or digit once the placeholder names are removed."""
    return any(ch.isalnum() for ch in _PLACEHOLDER_WORDS.sub("", template_key))


def template_hash(template_key: str) -> str:
    """Stable id of a template key: sha256 hex, first 16 chars."""
    return hashlib.sha256(template_key.encode("utf-8")).hexdigest()[:16]


def shingles(template_key: str) -> list[bytes]:
    """Character 3-grams (the whole key when shorter), as UTF-8 bytes."""
    if len(template_key) <= SHINGLE_CHARS:
        return [template_key.encode("utf-8")]
    return [template_key[i : i + SHINGLE_CHARS].encode("utf-8") for i in range(len(template_key) - SHINGLE_CHARS + 1)]


@lru_cache(maxsize=8)
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    # Creating these is most of a MinHash's construction cost: make them once per num_perm.
    return MinHash(num_perm=num_perm, seed=_SEED).permutations


def minhash(template_key: str, num_perm: int) -> MinHash:
    """datasketch's own MinHash of a template (reference for ``signatures``)."""
    sketch = MinHash(num_perm=num_perm, seed=_SEED, permutations=_permutations(num_perm))
    sketch.update_batch(shingles(template_key))
    return sketch


_MERSENNE_PRIME = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)
_SIGNATURE_CHUNK = 1_024  # templates per numpy pass: bounds the (shingles x num_perm) matrix


def signatures(template_keys: list[str], num_perm: int) -> np.ndarray:
    """MinHash hash values of many templates at once: the same numbers as ``minhash(key).hashvalues``,
    computed with one numpy pass per chunk instead of one datasketch object per template."""
    a, b = _permutations(num_perm)
    out = np.empty((len(template_keys), num_perm), dtype=np.uint64)
    for start in range(0, len(template_keys), _SIGNATURE_CHUNK):
        chunk = template_keys[start : start + _SIGNATURE_CHUNK]
        lengths: list[int] = []
        hashes: list[int] = []
        for key in chunk:
            key_shingles = shingles(key)
            lengths.append(len(key_shingles))
            hashes.extend(map(sha1_hash32, key_shingles))
        values = np.asarray(hashes, dtype=np.uint64)[:, None]
        permuted = (values * a + b) % _MERSENNE_PRIME & _MAX_HASH  # datasketch's update_batch formula
        offsets = np.concatenate([[0], np.cumsum(lengths[:-1], dtype=np.int64)])
        out[start : start + len(chunk)] = np.minimum.reduceat(permuted, offsets, axis=0)
    return out


class CampaignIndex:
    """Template hash -> campaign id, with MinHash signatures for near-duplicate lookups."""

    def __init__(self, threshold: float, num_perm: int, *, group_contentless: bool = False) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self.group_contentless = group_contentless
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._hashes: list[str] = []
        self._signatures: list[np.ndarray] = []
        self._campaigns: list[str] = []
        self._run_ids: list[str] = []
        self._by_hash: dict[str, int] = {}
        self.persisted_rows = 0

    def __len__(self) -> int:
        return len(self._hashes)

    @classmethod
    def load(cls, path: Path, threshold: float, num_perm: int, *, group_contentless: bool = False) -> CampaignIndex:
        index = cls(threshold, num_perm, group_contentless=group_contentless)
        if path.exists():
            frame = pl.read_parquet(path)
            for row_hash, signature, campaign_id, run_id in frame.select(list(CAMPAIGNS_SCHEMA)).iter_rows():
                values = np.asarray(signature, dtype=np.uint64)
                if values.size != num_perm:
                    # The index was built with another minhash_num_perm: re-sketching needs the template
                    # text, which is not stored; keep exact matches working, skip near-duplicate lookups.
                    index._add(row_hash, None, campaign_id, run_id)
                else:
                    index._add(row_hash, values, campaign_id, run_id)
            index.persisted_rows = len(index)
        return index

    def _add(
        self, row_hash: str, signature: np.ndarray | None, campaign_id: str, run_id: str, sketch: MinHash | None = None
    ) -> None:
        position = len(self._hashes)
        self._hashes.append(row_hash)
        self._signatures.append(signature if signature is not None else np.zeros(0, dtype=np.uint64))
        self._campaigns.append(campaign_id)
        self._run_ids.append(run_id)
        self._by_hash[row_hash] = position
        if signature is not None:
            sketch = sketch or MinHash(seed=_SEED, hashvalues=signature, permutations=_permutations(self.num_perm))
            self._lsh.insert(position, sketch)

    def checkpoint(self) -> int:
        """A point to roll back to if the file being ingested fails."""
        return len(self._hashes)

    def rollback(self, checkpoint: int) -> None:
        for position in range(len(self._hashes) - 1, checkpoint - 1, -1):
            if self._signatures[position].size:
                self._lsh.remove(position)
            del self._by_hash[self._hashes[position]]
        del self._hashes[checkpoint:], self._signatures[checkpoint:], self._campaigns[checkpoint:], self._run_ids[checkpoint:]

    def _nearest_campaign(self, sketch: MinHash) -> str | None:
        best: tuple[float, str] | None = None
        for position in self._lsh.query(sketch):
            # LSH candidates are probable matches: confirm with the estimated Jaccard similarity.
            similarity = float(np.mean(self._signatures[position] == sketch.hashvalues))
            if similarity >= self.threshold:
                key = (similarity, self._campaigns[position])
                if best is None or key[0] > best[0] or (key[0] == best[0] and key[1] < best[1]):
                    best = key
        return None if best is None else best[1]

    def assign(self, message_ids: pl.Series, template_keys: pl.Series, run_id: str) -> tuple[pl.Series, int]:
        """Campaign id per new message (in ingest order), and how many campaigns were created.

        Messages must be new (each message id once): a campaign's first member is then the only message
        whose id equals the campaign id, which is how ``is_campaign_rep`` is derived.
        """
        frame = pl.DataFrame({"message_id": message_ids, "template_key": template_keys})
        contentless = pl.Series([not has_content(key) for key in frame["template_key"].to_list()], dtype=pl.Boolean)
        if not self.group_contentless and contentless.any():
            # Each its own campaign (its own message id), never entered in the index: nothing can join it later.
            with_content = (~contentless).arg_true()
            campaigns = frame["message_id"].clone()
            created = int(contentless.sum())
            if len(with_content):
                grouped, grouped_created = self.assign(message_ids.gather(with_content), template_keys.gather(with_content), run_id)
                campaigns = campaigns.scatter(with_content, grouped)
                created += grouped_created
            return campaigns.alias("campaign_id"), created
        firsts = frame.unique(subset="template_key", keep="first", maintain_order=True)
        campaign_of_template: dict[str, str] = {}
        new_templates: list[tuple[str, str, str]] = []  # (template_key, hash, first message id)
        for first_message_id, key in firsts.iter_rows():
            row_hash = template_hash(key)
            position = self._by_hash.get(row_hash)
            if position is not None:
                campaign_of_template[key] = self._campaigns[position]
            else:
                new_templates.append((key, row_hash, first_message_id))
        new_campaigns = 0
        new_signatures = signatures([key for key, _, _ in new_templates], self.num_perm)
        permutations = _permutations(self.num_perm)
        for (key, row_hash, first_message_id), signature in zip(new_templates, new_signatures):
            if row_hash in self._by_hash:  # two template keys with one hash: keep the first mapping
                campaign_of_template[key] = self._campaigns[self._by_hash[row_hash]]
                continue
            # In order: a new template may join a campaign that an earlier new template of this batch started.
            sketch = MinHash(seed=_SEED, hashvalues=signature, permutations=permutations)
            campaign_id = self._nearest_campaign(sketch)
            if campaign_id is None:
                campaign_id = first_message_id
                new_campaigns += 1
            self._add(row_hash, signature, campaign_id, run_id, sketch)
            campaign_of_template[key] = campaign_id
        campaigns = frame["template_key"].replace_strict(campaign_of_template, return_dtype=pl.String)
        return campaigns.alias("campaign_id"), new_campaigns

    def to_frame(self) -> pl.DataFrame:
        if self._signatures and all(s.size == self.num_perm for s in self._signatures):
            signature = pl.Series(np.vstack(self._signatures)).cast(pl.List(pl.UInt64))  # fast path: one 2-D array
        else:
            signature = pl.Series([s.tolist() for s in self._signatures], dtype=pl.List(pl.UInt64))
        return pl.DataFrame(
            {
                "template_hash": self._hashes,
                "signature": signature,
                "campaign_id": self._campaigns,
                "ingest_run_id": self._run_ids,
            },
            schema=CAMPAIGNS_SCHEMA,
        )
