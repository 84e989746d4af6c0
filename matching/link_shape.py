"""Whether several files look like lists each free of duplicates (the link-only shape).

Deduplicating such files within themselves only adds chances of a false match, and the prior
taken over every pair instead of the pairs across files is too low; `--link-only` fixes both.
The run cannot know the files' nature, so it measures it and says so instead of guessing:
when nearly every match found joins two different files, the files look duplicate-free.
"""

import numpy as np

# at most this share of the matched record pairs within one file, with enough matches to judge
WITHIN_SHARE = 0.01
MIN_MATCHES = 20


def link_only_advice(file_l: np.ndarray, file_r: np.ndarray, matched: np.ndarray,
                     files: int) -> str | None:
    """A sentence suggesting --link-only when the matches say the files are duplicate-free."""
    if files < 2:
        return None
    within = int((matched & (file_l == file_r)).sum())
    total = int(matched.sum())
    if total < MIN_MATCHES or within > WITHIN_SHARE * total:
        return None
    return (f"note: {total - within:,} of the {total:,} matched pairs join two different files "
            f"and {within:,} lie within one: each file looks free of duplicates. If so, run "
            "again with --link-only (no pair within a file, and a prior taken over the pairs "
            "across files), and --one-to-one if each record has at most one match per file.")
