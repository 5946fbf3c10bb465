"""Intake of a library's own files (issue #12): Koha exports, survey exports and TOML specs.

The example export in ``datasets/koha_example`` is the simulated library's first 1,500
members written as Koha would, with planted mess (listed in its datasheet); the truth is the
simulated library itself, so every count in the intake report is checked against it.
"""

import textwrap

import numpy as np
import pandas as pd
import pytest

from loyaltylab import datasets, intake, lapse, metrics, scales

FOLDER = datasets.data_path("koha_example")


@pytest.fixture(scope="module")
def koha():
    return intake.read_spec(FOLDER / "spec.toml")


@pytest.fixture(scope="module")
def truth():
    lib = datasets.load_library(truth=False)
    return lib.members[lib.members["member_id"] <= 1500].set_index("member_id")


def test_one_member_per_borrowernumber_across_both_tables(koha):
    m = koha.members
    assert m["member_id"].is_unique
    # 1,500 borrowers: 2 excluded (unknown enrolment date, expiry before enrolment)
    assert len(m) == 1498
    assert koha.intake.rows("borrowers", "used") + koha.intake.rows(
        "deletedborrowers", "used") == 1498


def test_intake_report_counts_every_planted_defect(koha):
    r = koha.intake.reasons("borrowers")
    assert r["excluded: identical row repeated (first kept)"] == 3
    assert r["changed: dateenrolled 0000-00-00 read as missing"] == 1
    assert r["excluded: no dateenrolled"] == 1
    assert r["excluded: dateexpiry on or before dateenrolled"] == 1
    d = koha.intake.reasons("deletedborrowers")
    assert d["excluded: also in borrowers (the current row is kept)"] == 4
    assert d["changed: deleted before dateexpiry: lapsed at the deletion date (updated_on)"] \
        == 25
    s = koha.intake.reasons("statistics")
    assert s["excluded: no borrowernumber (anonymous use)"] == 400
    # the five stray rows with an unknown number; the 105 events of the 2 borrowers left out
    # are reported under their borrower's reason (issue 24: they were "not among the members")
    assert s["excluded: borrowernumber not among the members"] == 5
    assert s["excluded: borrower left out above (no dateenrolled)"] == 27
    assert s["excluded: borrower left out above (dateexpiry on or before dateenrolled)"] == 78
    summary = koha.intake.summary()
    for table in ("borrowers", "deletedborrowers", "statistics", "survey"):
        row = summary.loc[table]
        assert row["read"] == row["used"] + row["excluded"], table


def test_lapse_rule_recovers_the_truth_outside_the_grace_window(koha, truth):
    m = koha.members.set_index("member_id")
    t = truth.loc[m.index]
    same = (m["lapsed"] == t["lapsed"]) | (m["lapsed"].isna() & t["lapsed"].isna())
    # the only differences: true lapses within grace_days (30) of as_of, still members
    differ = t[~same.to_numpy()]
    assert m.loc[differ.index, "lapsed"].isna().all()
    assert (differ["lapsed"] + pd.Timedelta(days=30) >= koha.as_of).all()
    assert len(differ) == 16
    assert (m["joined"] == t["joined"]).all()


def test_grace_days_zero_lapses_every_expired_card(truth):
    k = dict(borrowers=FOLDER / "borrowers.csv", statistics=None,
             deletedborrowers=FOLDER / "deletedborrowers.csv", as_of="2024-12-31")
    with30 = intake.read_koha(**k, grace_days=30)
    with0 = intake.read_koha(**k, grace_days=0)
    gained = int(with0.members["lapsed"].notna().sum() - with30.members["lapsed"].notna().sum())
    assert gained == with30.intake.reasons("borrowers")[
        "changed: expired less than grace_days=30 before as_of: still a member"] == 24


def test_lapse_rule_on_a_tiny_export():
    b = pd.DataFrame({"borrowernumber": ["1", "2", "3", "4"],
                      "dateenrolled": ["2020-01-01"] * 4,
                      "dateexpiry": ["2023-12-01", "2023-12-20", "2024-06-01", ""],
                      "categorycode": ["AD", "AD", "ST", "ST"]})
    d = pd.DataFrame({"borrowernumber": ["5", "6"], "dateenrolled": ["2020-01-01"] * 2,
                      "dateexpiry": ["2022-01-01", "2025-01-01"],
                      "updated_on": ["2024-01-01 10:00:00", "2023-03-03 12:00:00"]})
    lib = intake.read_koha(b, deletedborrowers=d, as_of="2023-12-31", grace_days=14)
    got = lib.members.set_index("member_id")["lapsed"].dt.strftime("%Y-%m-%d").fillna("-")
    # 1 expired 30 days before as_of (> 14): lapsed; 2 within grace: member; 3 running;
    # 4 no expiry: member; 5 deleted after expiry: at expiry; 6 closed early: at deletion
    assert got.to_dict() == {1: "2023-12-01", 2: "-", 3: "-", 4: "-", 5: "2022-01-01",
                             6: "2023-03-03"}
    assert lib.members["member_type"].tolist() == ["AD", "AD", "ST", "ST", np.nan, np.nan]


def test_visits_count_use_types_only(koha):
    assert set(koha.visits["kind"].unique()) <= set(intake.KOHA_USE_TYPES)
    assert koha.intake.reasons("statistics")[
        "excluded: type not counted as use (use types: issue, renew, localuse)"] > 0
    # every visit lies inside its membership
    checked = metrics.check_events(koha.members, koha.visits, koha.as_of)
    assert checked.n_excluded == 0


def test_koha_data_run_through_the_package(koha):
    tt = lapse.tenure_table(koha.members, koha.as_of)
    curves = lapse.retention_curves(tt, "tenure", "has_lapsed", by="member_type")
    assert set(curves.table["group"]) == {"AD", "FAM", "SEN", "ST"}
    s = scales.cronbach_alpha(koha.survey, koha.scales["satisfaction"])
    assert 0.7 < s.alpha < 1
    assert metrics.nps(koha.survey, "recommend").n == int(koha.survey["recommend"].notna().sum())


def test_survey_missing_codes_and_ranges():
    raw = pd.DataFrame({"card": ["1", "2", "3", "4"], "when": ["13/01/2024"] * 4,
                        "q1": ["4", "99", "5", "1"], "q2": ["2", "2", "7", "3"]})
    with pytest.raises(ValueError, match=r"'q2' has 1 value\(s\) outside its range 1-5 "
                                         r"\(e.g. 7 for member '3'\); declare it"):
        intake.read_survey(raw, member="card", ranges={"q1": (1, 5), "q2": (1, 5)},
                           missing_codes=[99])
    s = intake.read_survey(raw, member="card", date="when", date_format="%d/%m/%Y",
                           ranges={"q1": (1, 5), "q2": (1, 7)}, missing_codes=[99])
    assert s.data["q1"].isna().sum() == 1
    assert s.report.reasons("survey") == {"changed: q1: missing code(s) 99 read as missing": 1}
    assert s.data["date"].iloc[0] == pd.Timestamp("2024-01-13")
    # a SurveyData goes straight into the package's functions
    assert scales.cronbach_alpha(s, ["q1", "q2"], low=1, high=7).n == 3


def test_survey_dates_never_guess_day_and_month():
    raw = pd.DataFrame({"card": ["1", "2"], "when": ["01/02/2024", "03/04/2024"],
                        "q1": ["4", "5"]})
    with pytest.raises(TypeError, match=r"'when' has 2 value\(s\).*ambiguous.*date_format"):
        intake.read_survey(raw, member="card", date="when", ranges={"q1": (1, 5)})
    s = intake.read_survey(raw, member="card", date="when", date_format="%m/%d/%Y",
                           ranges={"q1": (1, 5)})
    assert s.data["date"].dt.month.tolist() == [1, 3]


def test_survey_text_in_an_item_is_an_error():
    raw = pd.DataFrame({"card": ["1", "2"], "q1": ["4", "n/a"]})
    with pytest.raises(TypeError, match=r"'q1' has 1 non-numeric value\(s\) \(e.g. 'n/a'\)"):
        intake.read_survey(raw, member="card", ranges={"q1": (1, 5)})


def _spec(tmp_path, body):
    p = tmp_path / "spec.toml"
    p.write_text(textwrap.dedent(body))
    return p


def test_generic_spec(tmp_path):
    pd.DataFrame({"patron": [10, 11, 12], "start": ["2020-01-05", "2021-02-01", "2022-03-01"],
                  "stop": ["2021-01-05", None, None]}).to_csv(tmp_path / "m.csv", index=False)
    pd.DataFrame({"who": [10, 11, 11, 11, 99, 12, 10, 11],
                  "on": ["2020-02-01", "2021-03-01", "2021-03-01", "2022-01-01", "2022-01-01",
                         "2022-02-01", "2021-06-01", "2023-02-01"]}
                 ).to_csv(tmp_path / "v.csv", index=False)
    p = _spec(tmp_path, """
        [library]
        as_of = "2023-01-01"
        system = "generic"
        [members]
        file = "m.csv"
        columns = {member_id = "patron", joined = "start", lapsed = "stop"}
        [visits]
        file = "v.csv"
        columns = {member_id = "who", date = "on"}
        """)
    lib = intake.read_spec(p)
    assert lib.members["member_id"].tolist() == [10, 11, 12]
    assert lib.members["lapsed"].notna().sum() == 1
    # issue 24: two visits on one day are two events (dated to the day), and visits of an
    # unknown member, before joining or after the membership ended are excluded and counted,
    # as on the Koha path
    assert lib.intake.reasons("visits") == {
        "excluded: member id not among the members": 1,
        "excluded: before the member joined": 1,
        "excluded: after the membership ended (lapse or as_of)": 2}
    assert len(lib.visits) == 4 and (lib.visits["member_id"] == 11).sum() == 3


@pytest.mark.parametrize("body, message", [
    ("[library]\nsystem = 'koha'\n", r"needs a \[library\] section with as_of"),
    ("[library]\nas_of = '31/12/2024'\n", r"as_of='31/12/2024' is not an ISO date"),
    ("[library]\nas_of = '2024-12-31'\n[colour]\n", r"unknown section\(s\) \['colour'\]"),
    ("[library]\nas_of = '2024-12-31'\n", r"system 'koha' needs a \[koha\] section"),
    ("[library\nas_of = 1", r"not valid TOML"),
])
def test_broken_specs_say_what_is_wrong(tmp_path, body, message):
    with pytest.raises(ValueError, match=message):
        intake.read_spec(_spec(tmp_path, body))


def test_spec_scale_items_need_a_range(tmp_path):
    (tmp_path / "s.csv").write_text("id,a,b\n1,2,3\n")
    (tmp_path / "b.csv").write_text("borrowernumber,dateenrolled,dateexpiry\n1,2020-01-01,\n")
    p = _spec(tmp_path, """
        [library]
        as_of = "2024-12-31"
        [koha]
        borrowers = "b.csv"
        [survey]
        file = "s.csv"
        member = "id"
        ranges = {a = [1, 5]}
        [survey.scales.x]
        items = ["a", "b"]
        """)
    with pytest.raises(ValueError, match=r"scale 'x' uses item\(s\) \['b'\] that have no range"):
        intake.read_spec(p)


def test_intake_report_reads_well(koha):
    text = repr(koha.intake)
    assert text.startswith("IntakeReport(Example public library")
    assert "statistics: 86,677 rows read" in text
    assert "<pre" in koha.intake._repr_html_()
    log = koha.intake.to_frame()
    assert list(log.columns) == ["table", "step", "reason", "rows", "example"]
    assert repr(koha).endswith("as of 2024-12-31; read from files, see .intake)")


def test_one_odd_id_never_empties_a_table(tmp_path, koha):
    # issue 24: one borrowernumber written as NULL (MySQL's missing value) or 'x' used to turn
    # the whole column into text, so that no id matched the integer members and every use
    # row was excluded as "not among the members"; one respondent 'anon' dropped the survey
    import gzip
    import shutil

    for f in FOLDER.iterdir():
        shutil.copy(f, tmp_path / f.name)
    st = pd.read_csv(FOLDER / "statistics.csv.gz", dtype=str, keep_default_na=False)
    used = st["borrowernumber"] != ""
    first = st.index[used][:2]
    st.loc[first[0], "borrowernumber"] = "NULL"
    st.loc[first[1], "borrowernumber"] = "x"
    with gzip.open(tmp_path / "statistics.csv.gz", "wt") as fh:
        st.to_csv(fh, index=False)
    sv = pd.read_csv(FOLDER / "survey.csv", dtype=str)
    sv.loc[sv.index[-1], "respondent"] = "anon"  # a response of its own (not a repeat)
    sv.to_csv(tmp_path / "survey.csv", index=False)
    lib = intake.read_spec(tmp_path / "spec.toml")
    assert pd.api.types.is_integer_dtype(lib.visits["member_id"])
    assert len(lib.visits) >= len(koha.visits) - 2 and len(lib.survey) == len(koha.survey) - 1
    log = lib.intake.log
    odd = log[log["reason"].str.contains("is not a number like the other ids")]
    assert odd.set_index("table")["rows"].to_dict() == {"statistics": 1, "survey": 1}
    assert odd.set_index("table")["example"].to_dict() == {
        "statistics": "borrowernumber='x'", "survey": "respondent='anon'"}
    # NULL is MySQL's missing value: anonymous use, counted as such
    anon = log[(log["table"] == "statistics")
               & log["reason"].str.startswith("no borrowernumber")]["rows"].sum()
    base = koha.intake.log
    assert anon == base[(base["table"] == "statistics")
                        & base["reason"].str.startswith("no borrowernumber")]["rows"].sum() + 1


def test_text_ids_stay_text():
    b = pd.DataFrame({"borrowernumber": ["A1", "A2", "B7"], "dateenrolled": ["2020-01-01"] * 3,
                      "dateexpiry": ["2025-01-01"] * 3})
    lib = intake.read_koha(b, as_of="2023-12-31")
    assert lib.members["member_id"].tolist() == ["A1", "A2", "B7"]


def test_semicolons_tabs_latin1_and_empty_files(tmp_path):
    # issue 24: Koha's CSV delimiter is a setting (';' is common in Europe); a latin-1 file
    # raised UnicodeDecodeError and an empty one pandas' EmptyDataError, neither naming it
    b = pd.read_csv(FOLDER / "borrowers.csv", dtype=str, keep_default_na=False)
    ref = intake.read_koha(FOLDER / "borrowers.csv", as_of="2024-12-31").members
    for sep, suffix in ((";", "semi"), ("\t", "tab")):
        path = tmp_path / f"borrowers-{suffix}.csv"
        b.to_csv(path, sep=sep, index=False)
        got = intake.read_koha(path, as_of="2024-12-31").members
        pd.testing.assert_frame_equal(got, ref)
    lat = tmp_path / "borrowers-latin1.csv"
    b.assign(sex=b["sex"].replace({"F": "Fé"})).to_csv(lat, index=False, encoding="latin-1")
    with pytest.raises(ValueError, match=r"'borrowers-latin1.csv' is not utf-8 text .*"
                                         r"encoding = 'latin-1'"):
        intake.read_koha(lat, as_of="2024-12-31")
    got = intake.read_koha(lat, as_of="2024-12-31", encoding="latin-1").members
    assert "Fé" in set(got["sex"]) and len(got) == len(ref)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match=r"borrowers: file 'empty.csv' is empty"):
        intake.read_koha(empty, as_of="2024-12-31")


def test_generic_complaints_resolved_as_dates_or_yes_no(tmp_path):
    # issue 28: a complaints export says when each problem was solved (the spec's
    # date_format), or only yes/no
    (tmp_path / "m.csv").write_text("id,start,stop\n1,01/01/2020,\n2,01/01/2020,\n")
    (tmp_path / "c.csv").write_text("who,on,cat,fixed\n1,01/03/2020,value,05/03/2020\n"
                                    "2,01/04/2020,people,\n")
    spec = tmp_path / "s.toml"
    spec.write_text(textwrap.dedent("""
        [library]
        as_of = "2021-01-01"
        system = "generic"
        [members]
        file = "m.csv"
        date_format = "%d/%m/%Y"
        columns = {member_id = "id", joined = "start", lapsed = "stop"}
        [complaints]
        file = "c.csv"
        date_format = "%d/%m/%Y"
        columns = {member_id = "who", date = "on", category = "cat", resolved = "fixed"}
        """))
    lib = intake.read_spec(spec)
    assert lib.complaints["resolved"].tolist()[0] == pd.Timestamp("2020-03-05")
    from loyaltylab.complaints import check_complaints

    c = check_complaints(lib.members, lib.complaints, lib.as_of)
    assert c["resolved"].tolist() == [True, False] and c["resolution_days"].iloc[0] == 4
    (tmp_path / "c.csv").write_text("who,on,cat,fixed\n1,01/03/2020,value,Yes\n"
                                    "2,01/04/2020,people,no\n")
    assert intake.read_spec(spec).complaints["resolved"].tolist() == [True, False]


_ROLES = """
    [library]
    as_of = "2024-12-31"
    [koha]
    borrowers = "b.csv"
    {koha}
    [survey]
    file = "s.csv"
    member = "id"
    ranges = {{a = [1, 5], b = [1, 5], q = [0, 10], r = [1, 10]}}
    {survey}
    [survey.scales.happy]
    items = ["a", "b"]
    {scale}
    {extra}
    """


def _roles(tmp_path, koha="", survey="", scale="", extra=""):
    (tmp_path / "s.csv").write_text("id,a,b,q,r\n1,2,3,9,4\n2,4,4,3,9\n")
    (tmp_path / "b.csv").write_text(
        "borrowernumber,dateenrolled,dateexpiry,categorycode,branchcode,sort1\n"
        "1,2020-01-01,2025-06-01,AD,CPL,x\n2,2021-01-01,2025-06-01,ST,EAST,y\n")
    return _spec(tmp_path, _ROLES.format(koha=koha, survey=survey, scale=scale, extra=extra))


def test_roles_labels_and_value_in_the_spec(tmp_path):
    # issue 25: NPS needed an item named "recommend", segments scales named after the
    # factors; codes could not be named; member value had no place in the spec
    lib = intake.read_spec(_roles(
        tmp_path, koha='member_type = "sort1"', survey='recommend = "q"',
        scale='factor = "satisfaction"',
        extra='[labels.branch]\nCPL = "Central library"\n[value]\nmargin = 20\n'
              'currency = "EUR"'))
    assert lib.recommend == "q" and lib.factors == {"satisfaction": "happy"}
    assert lib.factor_scales()["satisfaction"].items == ("a", "b")
    assert lib.members["member_type"].astype(str).tolist() == ["x", "y"]
    assert lib.labels == {"branch": {"CPL": "Central library"}}
    assert lib.value == {"margin": 20.0, "currency": "EUR"}
    s = lib.intake.settings.set_index(["section", "setting"])["value"]
    assert s[("koha", "member_type")] == "sort1" and s[("survey", "recommend")] == "q"
    assert s[("survey", "scale happy")] == "a, b (factor: satisfaction)"
    assert s[("library", "as_of")] == "2024-12-31" and s[("labels", "branch")] == \
        "CPL = Central library"
    # defaults: no recommendation item without a name or an item called recommend
    plain = intake.read_spec(_roles(tmp_path / "..", scale=""))
    assert plain.recommend is None and plain.factors == {} and plain.value == {}


@pytest.mark.parametrize("kw, message", [
    ({"survey": 'recommend = "r"'}, r"recommend = 'r' has the range \[1, 10\]; the Net "
                                    r"Promoter Score needs"),
    ({"survey": 'recommend = "zz"'}, r"recommend = 'zz' must name an item of"),
    ({"scale": 'factor = "loyalty"'}, r"factor = 'loyalty' is not a loyalty factor; use one "
                                      r"of \['satisfaction'"),
    ({"extra": '[survey.scales.glad]\nitems = ["a"]\nfactor = "satisfaction"',
      "scale": 'factor = "satisfaction"'}, r"scales 'happy' and 'glad' both measure"),
    ({"extra": '[labels.colour]\nAD = "Adults"'}, r"\[labels.colour\] names no members column"),
    ({"extra": '[value]\nmargin = -5'}, r"\[value\] margin = -5 must be a number above 0"),
    ({"extra": '[value]\ndiscount = 10'}, r"discount = 10 must be a number between 0 and 1"),
    ({"extra": '[value]\nprice = 10'}, r"\[value\] has unknown key\(s\) \['price'\]"),
    ({"koha": 'branch = "site"'}, r"the branch column 'site' is not a borrowers column; name "
                                  r"one of .*\(spec key \[koha\] branch\)"),
])
def test_roles_that_cannot_be_right_are_refused(tmp_path, kw, message):
    with pytest.raises(ValueError, match=message):
        intake.read_spec(_roles(tmp_path, **kw))
