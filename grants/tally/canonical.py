"""The canonical JSON of the tally's inputs, written a row at a time: the same bytes as RFC 8785 of the document.

RFC 8785 (JCS) writes an object's keys sorted by their UTF-16 code units, numbers as ECMAScript writes them, and
strings with only '"', '\\' and the control characters escaped. The tally's document holds only:
- whole numbers: written in decimal, as JCS writes any integer in its safe range (|n| <= 2**53 - 1);
- a few short strings (the algorithm, the method, the submission times): JSON's own string encoder with
  `ensure_ascii=False` escapes exactly what JCS escapes;
- lists, and objects whose keys are fixed ASCII words, written here already in JCS order.
So each row is one format string filled with its numbers, and each list one join. Anything else (a number that
is not a plain int or is outside the safe range, a string that is not valid UTF-8) returns None, and the caller
uses the `rfc8785` library on the whole document, which gives its result or its error exactly as before.
`tests/tally/test_canonical.py` checks the bytes against the library on generated inputs.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain, starmap
from json.encoder import encode_basestring
from operator import attrgetter, itemgetter

from grants.tally.bulk import ScoresByBid
from grants.tally.inputs import Prepared

SAFE_MIN, SAFE_MAX = -(2**53) + 1, 2**53 - 1

# Keys in JCS order (sorted by UTF-16 code units: for ASCII, plain sorting).
BID = '{{"amount_pence":{0},"id":{1},"submitted_at":{2}}}'
# a score row with criterion c, to be filled with (bid, panellist, *the values of its group) where value i is its own
GROUP_ROW = '{{{{"bid_id":{{0}},"criterion_id":{c},"panellist_id":{{1}},"value":{{{i}}}}}}}'
RECUSAL = '{{"bid_id":{1},"panellist_id":{0}}}'  # from (panellist, bid)
BALLOT = '{{"approvals":[{0}],"panellist_id":{1},"ranking":[{2}]}}'
DOCUMENT = '{{"algorithm":{0},"ballots":[{1}],"bids":[{2}],"recusals":[{3}],"scores":[{4}],"settings":{5}}}'


def plain_ints(values: Iterable[object]) -> bool:
    """Whether every value is an int (not a subclass, not a bool) in JCS's safe integer range."""
    values = list(values)
    if not values:
        return True
    if set(map(type, values)) != {int}:
        return False
    return min(values) >= SAFE_MIN and max(values) <= SAFE_MAX  # type: ignore[type-var, operator]


def _ballots(prepared: Prepared) -> str | None:
    columns = prepared.ballot_columns
    if columns is not None:  # checked in bulk: plain ints, in panellist order, approvals sorted
        ids, approvals, rankings = columns.panellists, columns.approvals, columns.rankings
        ranges = (ids, chain.from_iterable(approvals), chain.from_iterable(rankings))
        if not all(map(_in_range, ranges)):
            return None
    else:
        ballots = sorted(prepared.raw_ballots, key=attrgetter("panellist_id"))
        ids = list(map(attrgetter("panellist_id"), ballots))
        approvals = list(map(tuple, map(sorted, map(attrgetter("approvals"), ballots))))
        rankings = list(map(tuple, map(attrgetter("ranking"), ballots)))
        if not all(map(plain_ints, (ids, chain.from_iterable(approvals), chain.from_iterable(rankings)))):
            return None
    return ",".join(map(BALLOT.format, _inner(approvals), ids, _inner(rankings)))


def _in_range(values: Iterable[int]) -> bool:
    values = list(values)
    return not values or (min(values) >= SAFE_MIN and max(values) <= SAFE_MAX)


def _inner(lists: list[tuple[int, ...]]) -> list[str]:
    """Each list of ints as JSON without its brackets ('1,2,3'), from one str() of them all: '[(1, 2), (3,)]'
    loses its spaces and the trailing commas of one-element tuples, and splits between the lists."""
    if not lists:
        return []
    text = str(lists).replace(" ", "").replace(",)", ")")
    return text[2:-2].split("),(")


def _bids(prepared: Prepared, time_format: str) -> str | None:
    bids = sorted(prepared.bids.values(), key=attrgetter("id"))
    ids = list(map(attrgetter("id"), bids))
    amounts = list(map(attrgetter("amount_pence"), bids))
    if not (plain_ints(ids) and plain_ints(amounts)):
        return None
    times = (encode_basestring(bid.submitted_at.strftime(time_format)) for bid in bids)
    return ",".join(map(BID.format, amounts, ids, times))


def _recusals(rows: list[tuple[int, int]]) -> str | None:
    """Sorted: every row is unique, the tally refuses a second recusal for the same panellist and bid."""
    if not plain_ints(chain.from_iterable(rows)):
        return None
    rows.sort()
    return ",".join(starmap(RECUSAL.format, rows))


def _recorded_scores(prepared: Prepared, recorded: ScoresByBid) -> str | None:
    """The scores sorted by panellist, bid and criterion, from the scores as the bulk checks grouped them (bid ->
    panellist -> criterion -> value): the (panellist, bid) groups are sorted, a quarter as many as the rows with
    four criteria, and each group is written by one format string for the criteria it has, in the order it has
    them."""
    panellists = set(chain.from_iterable(recorded.values()))
    if not all(map(plain_ints, (panellists, recorded, prepared.weights))):  # the values are 1 to 5
        return None
    groups = [(panellist, bid, values) for bid, scored in recorded.items() for panellist, values in scored.items()]
    groups.sort(key=itemgetter(0, 1))
    templates: dict[tuple[int, ...], str] = {}
    pieces = []
    for panellist, bid, values in groups:
        order = tuple(values)
        template = templates.get(order)
        if template is None:
            rows = (GROUP_ROW.format(c=c, i=order.index(c) + 2) for c in sorted(order))
            template = templates[order] = ",".join(rows)
        pieces.append(template.format(bid, panellist, *values.values()))
    return ",".join(pieces)


def fast_canonical_json(prepared: Prepared, *, algorithm: str, settings: bytes, time_format: str) -> bytes | None:
    """The canonical JSON of the inputs (`settings` already canonical), or None if it must go to `rfc8785`."""
    recusals = list(map(attrgetter("panellist_id", "bid_id"), prepared.raw_recusals))
    # Scores the bulk checks did not take have a number that is not a plain int: the library writes those.
    recorded = prepared.recorded_scores
    scores = _recorded_scores(prepared, recorded) if recorded is not None else None
    parts = (_ballots(prepared), _bids(prepared, time_format), _recusals(recusals), scores)
    if any(part is None for part in parts):
        return None
    text = DOCUMENT.format(encode_basestring(algorithm), *parts, settings.decode("utf-8"))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the library refuses it with its own error
        return None
