"""Regenerate the shipped data sets: ``python -m loyaltylab._make_datasets datasets``.

Writes ``<root>/library`` (the simulated library), ``<root>/koha_example`` (a Koha-style
export of 1,500 of its members, with the mess real exports have; see its datasheet) and
``<root>/generic_example`` (a generic export with complaint handling and timed desk visits).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from loyaltylab._library import LibraryData
from loyaltylab.simulate import SHIPPED, library, write

_CATEGORY = {"adult": "AD", "family": "FAM", "senior": "SEN", "student": "ST"}
_BRANCH = {"Central": "CPL", "East": "EAST", "North": "NORTH", "South": "SOUTH", "West": "WEST"}
_SURVEY_ITEMS = ["sat1", "sat2", "sat3", "rel1", "rel2", "rel3", "rel4", "sw1", "sw2", "sw3",
                 "sw4", "ref1", "ref2", "ref3", "recommend"]


def _stamp(dates: pd.Series, rng: np.random.Generator) -> pd.Series:
    secs = rng.integers(9 * 3600, 19 * 3600, len(dates))
    return (pd.to_datetime(dates) + pd.to_timedelta(secs, unit="s")).dt.strftime(
        "%Y-%m-%d %H:%M:%S")


def koha_example(lib: LibraryData, folder: Path, n_members: int = 1500, seed: int = 2024
                 ) -> None:
    """Write a Koha-style export of the first ``n_members`` members of ``lib``.

    The truth is the simulated library itself; the mess is planted and listed in the
    datasheet, so that every line of the intake report can be checked.
    """
    rng = np.random.default_rng(seed)
    as_of = lib.as_of
    m = lib.members[lib.members["member_id"] <= n_members].copy()
    bn = m["member_id"].to_numpy()
    exp = m["lapsed"].copy()
    active = exp.isna()
    # a running membership expires on its next anniversary after as_of
    years = np.ceil(((as_of - m["joined"]).dt.days + 1) / 365.25).astype(int)
    anniv = [j + pd.DateOffset(years=int(y)) for j, y in zip(m["joined"], years, strict=True)]
    exp[active] = pd.Series(anniv, index=m.index)[active]
    # ten running members whose card expired days before as_of: they renew in the grace period
    grace = m.index[active][:10]
    exp[grace] = as_of - pd.to_timedelta(rng.integers(3, 25, len(grace)), unit="D")
    # the library deletes patrons two years after their card expired (a privacy clean-up) ...
    deleted = m["lapsed"].notna() & (m["lapsed"] < as_of - pd.DateOffset(years=2))
    updated = (m["lapsed"] + pd.DateOffset(years=2)).where(deleted)
    # ... and closed 25 accounts on request before the card expired: Koha keeps the
    # original expiry date, and the deletion date in updated_on
    closed = m.index[m["lapsed"].notna() & ~deleted][:25]
    deleted[closed] = True
    updated[closed] = m.loc[closed, "lapsed"]
    exp[closed] = m.loc[closed, "lapsed"] + pd.to_timedelta(
        rng.integers(30, 300, len(closed)), unit="D")
    rows = pd.DataFrame({
        "borrowernumber": bn,
        "cardnumber": [f"2300{b:06d}" for b in bn],
        "categorycode": m["member_type"].map(_CATEGORY).to_numpy(),
        "branchcode": m["branch"].map(_BRANCH).to_numpy(),
        "sex": rng.choice(["F", "M", ""], len(m), p=[0.52, 0.43, 0.05]),
        "dateenrolled": m["joined"].dt.strftime("%Y-%m-%d").to_numpy(),
        "dateexpiry": exp.dt.strftime("%Y-%m-%d").to_numpy(),
        "updated_on": _stamp(updated.fillna(as_of), rng).to_numpy(),
    })
    rows.loc[~deleted.to_numpy(), "updated_on"] = _stamp(
        pd.Series(as_of - pd.to_timedelta(rng.integers(0, 400, int((~deleted).sum())),
                                          unit="D")), rng).to_numpy()
    rows.loc[~deleted.to_numpy() & (exp > as_of).to_numpy(), "updated_on"] = _stamp(
        pd.Series([as_of] * int((~deleted & (exp > as_of)).sum())), rng).to_numpy()
    borrowers = rows[~deleted.to_numpy()].copy()
    gone = rows[deleted.to_numpy()].copy()
    # planted mess: a migrated record with an unknown enrolment date, an expiry typed before
    # the enrolment, three rows exported twice, and four deleted patrons also still listed
    borrowers.iloc[0, borrowers.columns.get_loc("dateenrolled")] = "0000-00-00"
    borrowers.iloc[1, borrowers.columns.get_loc("dateexpiry")] = "2001-01-01"
    borrowers = pd.concat([borrowers, borrowers.iloc[[5, 6, 7]]], ignore_index=True)
    cleaned = gone[~gone["borrowernumber"].isin(bn[np.isin(m.index, closed)])]
    borrowers = pd.concat([borrowers, cleaned.iloc[[0, 1, 2, 3]]], ignore_index=True)
    folder.mkdir(parents=True, exist_ok=True)
    borrowers.to_csv(folder / "borrowers.csv", index=False)
    gone.to_csv(folder / "deletedborrowers.csv", index=False)
    # statistics: a loan is an issue and later a return (some renewed); a visit is recorded
    # as local use; e-loans are issues at the ONLINE branch; events are not in Koha
    v = lib.visits[lib.visits["member_id"] <= n_members]
    v = v[v["kind"] != "event"]
    br = m.set_index("member_id")["branch"].map(_BRANCH)
    kind = v["kind"].astype(str).map({"loan": "issue", "e-loan": "issue", "visit": "localuse"})
    st = pd.DataFrame({"datetime": _stamp(v["date"], rng).to_numpy(),
                       "branch": np.where(v["kind"] == "e-loan", "ONLINE",
                                          br.reindex(v["member_id"]).to_numpy()),
                       "type": kind.to_numpy(),
                       "itemnumber": np.where(kind == "localuse", "",
                                              rng.integers(1, 60000, len(v)).astype(str)),
                       "borrowernumber": v["member_id"].astype(str).to_numpy()})
    loans = st[st["type"] == "issue"]
    ret = loans.assign(type="return", datetime=_stamp(
        pd.to_datetime(loans["datetime"]).dt.normalize()
        + pd.to_timedelta(rng.integers(7, 28, len(loans)), unit="D"), rng))
    ret = ret[pd.to_datetime(ret["datetime"]) <= as_of]
    ren = loans.sample(frac=0.1, random_state=seed).assign(type="renew", datetime=lambda d:
                                                            _stamp(pd.to_datetime(
                                                                d["datetime"]).dt.normalize()
                                                                + pd.Timedelta(days=14), rng))
    ren = ren[pd.to_datetime(ren["datetime"]) <= as_of]
    n_anon = 400
    anon = pd.DataFrame({"datetime": _stamp(pd.Series(as_of - pd.to_timedelta(
        rng.integers(0, 1500, n_anon), unit="D")), rng), "branch": "CPL",
        "type": "localuse", "itemnumber": "", "borrowernumber": ""})
    pay = st.sample(n=150, random_state=seed + 1).assign(type="payment", itemnumber="")
    stray = st.sample(n=5, random_state=seed + 2).assign(borrowernumber="999999")
    st = pd.concat([st, ret, ren, anon, pay, stray], ignore_index=True)
    st = st.sort_values("datetime", kind="stable", ignore_index=True)
    st.to_csv(folder / "statistics.csv.gz", index=False)
    # the survey tool exports dates day first and writes 99 for "no answer"
    s = lib.survey[lib.survey["member_id"] <= n_members]
    sv = pd.DataFrame({"respondent": s["member_id"].to_numpy(),
                       "submitted": s["date"].dt.strftime("%d/%m/%Y").to_numpy()})
    for c in _SURVEY_ITEMS:
        x = s[c].to_numpy(dtype=float)
        x = np.where(np.isnan(x), 99, x)
        sv[c] = x.astype(int)
    sv.to_csv(folder / "survey.csv", index=False)


def review_pages(folder: Path, seed: int = 2024, **simulation) -> None:
    """Write the example's review pages (``reviews.csv``) as a review platform exports them:
    its own column names, timestamps with seconds, and a "hidden" flag for reviews the
    library removed (three, planted). ``simulation`` overrides `simulate_reviews`'
    arguments (the tests write pages of more branches)."""
    from loyaltylab.reviews import simulate_reviews

    args = {"names": list(_BRANCH.values()), "months": 24, "start": "2023-01-01",
            "reviews_per_month": 10, "burst": 12} | simulation
    sim = simulate_reviews(**args, seed=seed)
    r = sim.reviews
    hidden = np.zeros(len(r), bool)
    hidden[np.flatnonzero(r["rating"].to_numpy() == 1)[:3]] = True
    out = pd.DataFrame({
        "id": [f"rv-{i:05d}" for i in r["review_id"]], "location": r["branch"],
        "source": r["platform"], "created_at": r["posted"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        "stars": r["rating"], "reply_at": r["responded"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        "reply_text": r["response"],
        "resolved_at": r["resolved"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        "hidden": np.where(hidden, "yes", "no"), "reviewer": r["author"]})
    out.to_csv(folder / "reviews.csv", index=False)


def generic_example(folder: Path, seed: int = 2025) -> None:
    """Write a generic (non-Koha) export: members, visits timed at the desk and rated for
    courtesy, and complaints with their handling (resolution date, contacts, compensation),
    from :func:`loyaltylab.simulate.complaint_process` (members and complaints) and visits
    drawn within each membership, with the spec that reads them."""
    from loyaltylab.schema import DAYS_PER_YEAR
    from loyaltylab.simulate import complaint_process

    sim = complaint_process(n_members=1200, years=5, seed=seed, start="2020-01-01")
    rng = np.random.default_rng(seed)
    m = sim.members
    folder.mkdir(parents=True, exist_ok=True)
    m.assign(card=[f"C{i:05d}" for i in m["member_id"]])[
        ["card", "joined", "lapsed", "branch"]].to_csv(folder / "members.csv", index=False,
                                                       date_format="%Y-%m-%d")
    # visits: 12 a year within the membership; waits by branch (log-normal), a third rated
    end = m["lapsed"].fillna(sim.as_of)
    days = (end - m["joined"]).dt.days.to_numpy()
    k = rng.poisson(12 * days / DAYS_PER_YEAR)
    who = np.repeat(np.arange(len(m)), k)
    day = m["joined"].to_numpy()[who] + (rng.random(who.size) * days[who]).astype(
        "timedelta64[D]")
    level = {"Central": 6.0, "East": 3.5, "North": 5.0, "South": 8.0, "West": 4.0}
    median = m["branch"].astype(str).map(level).to_numpy()[who]
    wait = np.round(median * np.exp(rng.normal(0, 0.6, who.size)) * 2) / 2
    wait[rng.random(who.size) < 0.25] = np.nan  # not timed
    courtesy = np.clip(np.round(rng.normal(4.0, 0.8, who.size)), 1, 5)
    courtesy[rng.random(who.size) < 0.7] = np.nan  # not rated
    visits = pd.DataFrame({"card": [f"C{i:05d}" for i in m["member_id"].to_numpy()[who]],
                           "on": pd.to_datetime(day).strftime("%Y-%m-%d"), "wait": wait,
                           "courtesy": courtesy}).sort_values(["card", "on"], kind="stable")
    visits.to_csv(folder / "visits.csv", index=False)
    # two survey waves: members present answer (35%) with the topic they raise and
    # LibQUAL-style minimum / desired / perceived levels (1-9) that drift between the waves
    # (minimum +0.4, desired +0.3, perceived unchanged); each branch acts, or not, on each
    # topic of each wave
    topics = ("opening hours", "collection", "study space")
    waves = {1: pd.Timestamp("2023-03-01"), 2: pd.Timestamp("2024-06-03")}
    base = {"min": rng.normal(5.2, 0.9, len(m)), "gap": np.abs(rng.normal(1.8, 0.5, len(m))),
            "per": rng.normal(6.4, 0.9, len(m))}
    rows = []
    for w, day0 in waves.items():
        present = (m["joined"] < day0) & (end > day0) & (rng.random(len(m)) < 0.35)
        idx = np.flatnonzero(present.to_numpy())
        cols = {}
        for stem in ("as1", "as2", "lp1", "lp2"):
            lo = base["min"][idx] + 0.4 * (w - 1)
            hi = base["min"][idx] + base["gap"][idx] + 0.3 * (w - 1)
            for tag, v in (("min", lo), ("des", hi), ("per", base["per"][idx])):
                cols[f"{stem}_{tag}"] = np.clip(np.round(v + rng.normal(0, 0.6, idx.size)),
                                                1, 9).astype(int)
        answered = day0 + pd.to_timedelta(rng.integers(0, 21, idx.size), unit="D")
        rows.append(pd.DataFrame({"card": [f"C{i:05d}" for i in m["member_id"].to_numpy()[idx]],
                                  "wave": w, "answered": answered.strftime("%Y-%m-%d"),
                                  "topic": np.array(topics)[rng.integers(0, 3, idx.size)],
                                  **cols}))
    pd.concat(rows, ignore_index=True).to_csv(folder / "survey.csv", index=False)
    acts = [(b, w, t, (waves[w] + pd.Timedelta(days=int(rng.exponential(45)))).strftime(
        "%Y-%m-%d") if rng.random() < 0.5 else "")
        for b in sorted(m["branch"].astype(str).unique()) for w in waves for t in topics]
    pd.DataFrame(acts, columns=["branch", "wave", "topic", "acted_on"]).to_csv(
        folder / "actions.csv", index=False)
    c = sim.complaints
    c.assign(card=[f"C{i:05d}" for i in c["member_id"]],
             resolved=c["resolved"].dt.strftime("%Y-%m-%d"))[
        ["complaint_id", "card", "date", "category", "channel", "response_hours", "resolved",
         "contacts", "compensation"]].to_csv(folder / "complaints.csv", index=False,
                                             date_format="%Y-%m-%d")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", help="the datasets folder")
    args = parser.parse_args(argv)
    lib = library(**SHIPPED, progress=False)
    write(lib, Path(args.root) / "library")
    koha_example(lib, Path(args.root) / "koha_example")
    review_pages(Path(args.root) / "koha_example")
    generic_example(Path(args.root) / "generic_example")
    print(lib)


if __name__ == "__main__":
    main()
