"""Agreement statistics, physician reliability and consensus, in numpy alone (no Django).

Every function takes ratings as parallel arrays: `items` (0..N-1, sorted ascending), `raters`
(0..R-1) and `codes` (0..K-1 category index, -1 where the rating is missing or not applicable).
"""
