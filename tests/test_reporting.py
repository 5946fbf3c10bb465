"""The report's plain-language formatting (``loyaltylab._reporting``): numbers as a library's
head reads them, and the renewals behind member value counted on the calendar."""

import numpy as np
import pandas as pd
import pytest

from loyaltylab import _reporting as R


@pytest.mark.parametrize("p, text", [(9.897e-01, "0.990"), (0.0499, "0.050"),
                                     (0.001, "0.001"), (0.000999, "< 0.001"),
                                     (1e-12, "< 0.001"), (np.nan, "-")])
def test_p_values_are_written_for_reading(p, text):
    assert R.p_text(p) == text


def test_an_estimate_and_its_interval_in_one_cell():
    assert R.interval(1.2107, 1.00009, 1.4656) == "1.21 (1.00 to 1.47)"
    assert R.interval(0.537, 0.5, 0.58, 0, percent=True) == "54% (50% to 58%)"
    assert R.interval(-0.0001, -0.2, 0.3, signed=True) == "+0.00 (-0.20 to +0.30)"
    assert R.interval(np.nan, 0, 1) == "-"
    assert R.number(1234.5, 0) == "1,234"  # banker's rounding of .5 is Python's own


def test_effect_terms_become_groups_compared_with_the_reference():
    eff = pd.DataFrame({"covariate": ["member_type[Students]", "age"],
                        "hazard_ratio": [1.21, 0.9], "ci_low": [1.0, 0.8],
                        "ci_high": [1.47, 1.01], "p_value": [0.0499, 0.07],
                        "kind": ["indicator", "numeric"], "scale": ["vs Adults", "per SD"]})
    out = R.effect_table(eff)
    assert out.iloc[0].tolist() == ["member type", "Students", "Adults", "1.21 (1.00 to 1.47)",
                                    "0.050"]
    assert out.iloc[1, :3].tolist() == ["age", "", "per SD"]
    assert R.effect_names(eff)["covariate"].tolist() == [
        "Students (member type, vs Adults)", "age"]


def test_labels_replace_codes_and_leave_unlabelled_codes_and_gaps():
    m = pd.DataFrame({"member_type": pd.Categorical(["ST", "AD", "STAFF", None])})
    out = R.labelled(m, {"member_type": {"ST": "Students", "AD": "Adults"}})
    assert out["member_type"].tolist()[:3] == ["Students", "Adults", "STAFF"]
    assert pd.isna(out["member_type"].iloc[3])


def test_renewals_are_anniversaries_passed_before_the_membership_ended():
    as_of = pd.Timestamp("2024-12-31")
    m = pd.DataFrame({
        "member_id": range(7),
        "joined": pd.to_datetime(["2020-03-01", "2020-03-01", "2020-03-01", "2020-03-01",
                                  "2020-02-29", "2023-12-31", "2024-01-01"]),
        "lapsed": pd.to_datetime(["2022-03-01",   # on the 2nd anniversary: renewed once
                                  "2022-06-01",   # during the 3rd year: renewed twice
                                  "2020-05-01",   # in the first year: never renewed
                                  None,           # still a member: four anniversaries
                                  "2021-02-28",   # leap-day joiner, lapsed the day before
                                  None,           # still there on the anniversary (as_of)
                                  None])})
    out = R.renewals_made(m, as_of)
    assert out["renewals"].tolist() == [1, 2, 0, 4, 0, 1, 0]
    assert out["has_lapsed"].tolist() == [True, True, True, False, True, False, False]


def test_the_intake_log_as_one_table_per_file_keeps_every_line():
    from loyaltylab import datasets, intake

    lib = intake.read_spec(datasets.data_path("koha_example", "spec.toml"))
    tables = R.intake_tables(lib.intake)
    assert sum(len(t) for t in tables.values()) == len(lib.intake.log)
    survey = tables["survey"]
    assert survey["step"].iloc[0] == "read" and survey["step"].iloc[-1] == "used"
    assert "member_id = 2" in survey["example"].tolist()  # not member_id=np.int64(2)


def test_a_full_table_is_escaped_and_collapsed():
    html = R.full(pd.DataFrame({"a": ["<b>x</b>"], "p": [1.23456e-5]})).text
    assert html.startswith("<details><summary>") and "&lt;b&gt;x" in html
    assert "<b>x" not in html
