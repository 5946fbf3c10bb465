"""The one-command report (issue #12): ``python -m loyaltylab report SPEC --out FILE`` runs end
to end on the shipped example, writes self-contained HTML, and on a broken spec or bad data
exits non-zero with the intake message and writes no file."""

import base64
import html
import re
import shutil
import subprocess
import sys

import pytest

from loyaltylab import cli, datasets

EXAMPLE = datasets.data_path("koha_example")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    done = subprocess.run([sys.executable, "-m", "loyaltylab", "report",
                           str(EXAMPLE / "spec.toml"), "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, done


def test_report_is_written_with_progress(report):
    out, done = report
    assert out.exists()
    assert f"report written to {out}" in done.stdout
    assert "cell" in done.stderr and "100%" in done.stderr  # the progress bar ran to the end
    # issue 25: every run printed ipykernel's unencrypted-TCP warning; the kernel now talks
    # over local IPC sockets
    assert "WARNING" not in done.stderr and "without encryption" not in done.stderr


def test_report_is_self_contained_with_embedded_figures(report):
    html = report[0].read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)=["']https?://""", html)
    pngs = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=\n]+)", html)
    big = [p for p in pngs if len(base64.b64decode(p)) > 10_000]
    assert len(big) >= 3  # retention curves with at-risk table, hazard ratios, segments
    assert all(base64.b64decode(p)[:8] == b"\x89PNG\r\n\x1a\n" for p in big)


def test_report_has_every_section_and_its_reading_guide(report):
    html = report[0].read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", html)
    for heading in ("What was read", "How long members stay", "Who lapses sooner",
                    "Repeat use and the retention rate", "Net Promoter Score",
                    "Reliability of each scale", "Loyalty segments", "Online reviews",
                    "Complaints and how they were handled", "Service at the desk",
                    "Expectations over time", "Asking and acting", "What a member is worth"):
        assert heading in text, heading
    assert text.count("How to read this") == 13
    # the Koha example has no complaints, timed visits, service levels or actions: said
    for absent in ("No complaints in the spec", "No timed visits in the spec",
                   "No service levels over survey waves", "No actions in the spec"):
        assert absent in text, absent
    assert "Example public library (Koha export)" in text
    assert "average years stayed of the first 5 (95% interval)" in text
    assert "Traceback" not in text and "Warning" not in text
    # no code in the report
    assert "import loyaltylab" not in text


def _run(tmp_path, spec_text, files=()):
    for f in files:
        shutil.copy(EXAMPLE / f, tmp_path / f)
    spec = tmp_path / "spec.toml"
    spec.write_text(spec_text)
    out = tmp_path / "out.html"
    code = cli.main(["report", str(spec), "--out", str(out), "--no-progress"])
    return code, out


def test_broken_spec_exits_2_and_writes_nothing(tmp_path, capsys):
    code, out = _run(tmp_path, "[library]\nas_of = '31/12/2024'\n")
    assert code == 2
    assert not out.exists() and not list(tmp_path.glob("*.part"))
    err = capsys.readouterr().err
    assert "as_of='31/12/2024' is not an ISO date" in err
    assert "no report was written" in err


def test_bad_date_column_exits_2_with_the_intake_message(tmp_path, capsys):
    spec = (EXAMPLE / "spec.toml").read_text().replace('date_format = "%d/%m/%Y"', "")
    code, out = _run(tmp_path, spec, ["borrowers.csv", "deletedborrowers.csv",
                                      "statistics.csv.gz", "survey.csv"])
    assert code == 2 and not out.exists()
    assert "column 'submitted'" in capsys.readouterr().err


def test_intake_command_prints_the_report(capsys):
    assert cli.main(["intake", str(EXAMPLE / "spec.toml")]) == 0
    out = capsys.readouterr().out
    assert "IntakeReport(" in out and "statistics: 86,677 rows read" in out


def test_a_failing_report_writes_nothing(tmp_path, monkeypatch, capsys):
    import nbformat

    from loyaltylab import report

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("SPEC = ''", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("raise RuntimeError('figure failed')")])
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nb, broken)
    monkeypatch.setattr(report, "_NOTEBOOK", broken)
    out = tmp_path / "r.html"
    code = cli.main(["report", str(EXAMPLE / "spec.toml"), "--out", str(out),
                     "--no-progress"])
    assert code == 1 and not out.exists() and not list(tmp_path.glob("*.part"))
    err = capsys.readouterr().err
    assert "RuntimeError: figure failed" in err and "\x1b[" not in err


def test_the_effect_of_replying_needs_enough_branches_on_each_side(report, tmp_path):
    # the shipped example has five branches (two replying): the report says why it shows no
    # estimate rather than printing a clustered interval from five clusters
    text = re.sub(r"<[^>]+>", " ", report[0].read_text(encoding="utf-8"))
    assert "is not estimated" in text and "2 replying and 3 never replying" in text
    # sixteen branches (half replying, planted +0.12 stars): the estimate is shown
    from loyaltylab import _make_datasets

    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder)
    _make_datasets.review_pages(folder, names=None, branches=16, reviews_per_month=25)
    code = cli.main(["report", str(folder / "spec.toml"), "--out", str(tmp_path / "r.html"),
                     "--no-progress"])
    assert code == 0
    text = re.sub(r"<[^>]+>", " ", (tmp_path / "r.html").read_text(encoding="utf-8"))
    assert "8 branches that started replying against 8 that never did" in text
    assert "rating (stars)" in text and "reviews per period" in text
    assert "is not estimated" not in text


def test_report_on_a_generic_export_with_complaint_handling_and_desk_visits(tmp_path):
    from loyaltylab import complaints, encounters, intake

    spec = datasets.data_path("generic_example", "spec.toml")
    out = tmp_path / "generic.html"
    assert cli.main(["report", str(spec), "--out", str(out), "--no-progress"]) == 0
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", out.read_text(encoding="utf-8")))
    lib = intake.read_spec(spec)
    rep = complaints.repeat_complaints(lib.members, lib.complaints, lib.as_of)
    # the numbers in the sentences are the functions' results
    assert (f"{rep.n_complaints:,} complaints from {rep.n_members:,} members. "
            f"{rep.n_chronic:,} members ({rep.chronic_share_of_complainers:.0%}") in text
    assert "What comes before a repeat complaint" in text
    assert "last complaint not resolved" in text and "What handling does to lapse" in text
    v = lib.visits.merge(lib.members[["member_id", "branch"]], on="member_id")
    served = encounters.served_within(v, thresholds=(5, 10), by="branch")
    share = served.table.set_index("group").loc["all", "within_5min"]
    assert f"{served.n_used:,} timed visits" in text and f"{share:.0%} were served" in text
    assert "Courtesy of the staff" in text
    from loyaltylab import feedback

    drift = encounters.expectation_drift(lib.survey, lib.service_levels)
    assert f"{drift.n_paired:,} members answered both" in text
    acting = feedback.asking_and_acting(lib.members, lib.survey, lib.actions, lib.as_of)
    assert f"{acting.n_answers:,} answers of {acting.n_members:,} members" in text
    assert "nothing done vs acted on" in text
    for absent in ("No complaints in the spec", "No timed visits", "No service levels",
                   "No actions in the spec", "Traceback"):
        assert absent not in text, absent


def test_the_library_name_is_text_not_markup(tmp_path):
    # issue 25: a name with markup went into the heading as live HTML (an event attribute)
    from html.parser import HTMLParser

    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder)
    spec = folder / "spec.toml"
    spec.write_text(re.sub(r'(?m)^name = .*$', 'name = "Lib <b onmouseover=alert(3)>X</b> & Co"',
                           spec.read_text()).replace('CPL = "Central library"',
                                                     'CPL = "<i onclick=alert(4)>Central</i>"'))
    out = tmp_path / "r.html"
    assert cli.main(["report", str(spec), "--out", str(out), "--no-progress"]) == 0

    class Attrs(HTMLParser):
        found: list = []

        def handle_starttag(self, tag, attrs):
            self.found += [name for name, _ in attrs if name.startswith("on")]

    parser = Attrs()
    page = out.read_text(encoding="utf-8")
    parser.feed(page)
    assert parser.found == []  # no event handler attribute anywhere on the page
    assert "Lib &lt;b onmouseover=alert(3)&gt;X&lt;/b&gt; &amp; Co" in page  # shown as text
    assert "&lt;i onclick=alert(4)&gt;Central&lt;/i&gt;" in page  # a label from the spec too


def _text(path):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))


def test_a_small_category_and_a_short_history_do_not_stop_the_report(tmp_path):
    # issue 25: 15 staff cards with no lapse made the Cox model fail and the report exit 1;
    # a library with half a year of history stopped at the restricted mean
    import pandas as pd

    folder = tmp_path / "staff"
    shutil.copytree(EXAMPLE, folder)
    b = pd.read_csv(folder / "borrowers.csv", dtype=str)
    staff = pd.DataFrame({"borrowernumber": [str(90000 + i) for i in range(15)],
                          "cardnumber": [str(99000000 + i) for i in range(15)],
                          "categorycode": "STAFF", "branchcode": "CPL", "sex": "F",
                          "dateenrolled": "2020-01-15", "dateexpiry": "2099-12-31",
                          "updated_on": "2024-01-01 10:00:00"})
    pd.concat([b, staff]).to_csv(folder / "borrowers.csv", index=False)
    out = tmp_path / "staff.html"
    assert cli.main(["report", str(folder / "spec.toml"), "--out", str(out),
                     "--no-progress"]) == 0
    text = _text(out)
    assert ("In member type, STAFF had fewer than 10 lapses even together: their 15 members "
            "are left out") in text
    assert "Students" in text and "Traceback" not in text

    short = tmp_path / "short"
    shutil.copytree(EXAMPLE, short)
    spec = short / "spec.toml"
    spec.write_text(re.sub(r'(?m)^as_of = .*$', 'as_of = "2019-06-30"', spec.read_text()))
    out = tmp_path / "short.html"
    assert cli.main(["report", str(spec), "--out", str(out), "--no-progress"]) == 0
    text = _text(out)
    assert "no yearly retention rate yet" in text and "Traceback" not in text
    assert re.search(r"average years stayed of the first 0\.\d+ \(95% interval\)", text)


def _outside_details(page):
    """The page as a reader sees it before opening any statistician's table."""
    return re.sub(r"<details>.*?</details>", " ", page, flags=re.DOTALL)


@pytest.fixture(scope="module")
def generic(tmp_path_factory):
    out = tmp_path_factory.mktemp("generic") / "generic.html"
    spec = datasets.data_path("generic_example", "spec.toml")
    assert cli.main(["report", str(spec), "--out", str(out), "--no-progress"]) == 0
    return out


@pytest.mark.parametrize("which", ["koha", "generic"])
def test_the_page_speaks_plainly_and_shows_the_whole_intake_log(which, report, generic):
    # issue 25: the log was truncated by pandas ("35 rows x 5 columns"), tables showed
    # ci_low, p_holm, member_type[ST], 9.897e-01, np.int64(2) and a numbered index
    from html.parser import HTMLParser

    from loyaltylab import intake

    path = report[0] if which == "koha" else generic
    spec = EXAMPLE / "spec.toml" if which == "koha" else \
        datasets.data_path("generic_example", "spec.toml")
    page = path.read_text(encoding="utf-8")
    seen = _outside_details(re.sub(r"<style.*?</style>", " ", page, flags=re.DOTALL))
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", seen))
    assert "No description has been provided" not in page  # every figure has its alt text
    assert "rows x" not in words and "…" not in words and "..." not in words
    assert not re.search(r"\d\.\d+e[-+]?\d+", words), "a p-value in scientific notation"
    assert not re.search(r"np\.(int|float)\d*\(", words), "a numpy repr"
    for code_name in ("ci_low", "ci_high", "p_holm", "p_value", "hazard_ratio",
                      "member_type[", "branch[", "restricted_mean", "n_missing"):
        assert code_name not in words, code_name

    class Rows(HTMLParser):
        first: list = []
        _start = False

        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                self._start = True
            elif tag in ("td", "th") and self._start:
                self.first.append(tag)
                self._start = False

    parser = Rows()
    parser.feed(re.sub(r"<thead>.*?</thead>", "", seen, flags=re.DOTALL))
    assert parser.first and set(parser.first) == {"td"}, "a body row opens with an index"
    # every line of the intake log is on the page, with its count and example
    lib = intake.read_spec(spec)
    for r in lib.intake.log.itertuples():
        assert f"{r.reason}".replace("&", "&amp;").replace("<", "&lt;").replace(
            ">", "&gt;") in seen, r.reason
        assert f"{r.rows:,}" in words
    for setting in lib.intake.settings["setting"]:
        assert setting in words, setting
    if which == "koha":
        # codes are shown under the spec's labels; no bare category code in a table cell
        for code in ("AD", "ST", "SEN", "FAM", "CPL", "NORTH"):
            assert f"<td>{code}</td>" not in seen, code
        assert "<td>Students</td>" in seen and "<td>Central library</td>" in seen
        assert "value of a member who just renewed (EUR)" in words
        assert "member_id = 2" in words  # the survey's stray respondent, as text


def _rewrite_survey(folder, renames, spec_edit):
    import pandas as pd

    sv = pd.read_csv(folder / "survey.csv", dtype=str)
    sv.rename(columns=renames).to_csv(folder / "survey.csv", index=False)
    spec = folder / "spec.toml"
    text = spec.read_text()
    for old, new in renames.items():
        text = re.sub(rf"(?m)^{old} = ", f"{new} = ", text)
        text = text.replace(f'"{old}"', f'"{new}"')
    spec.write_text(spec_edit(text))
    return spec


def test_roles_in_the_spec_give_nps_and_segments_to_differently_named_items(tmp_path):
    # issue 25: NPS needed an item literally named "recommend", segments scales named
    # exactly referral, relationship, satisfaction, switching
    from loyaltylab import intake, metrics

    folder = tmp_path / "roles"
    shutil.copytree(EXAMPLE, folder)
    renames = {"recommend": "q12_nps", "sat1": "csat_a", "sat2": "csat_b", "sat3": "csat_c"}

    def edit(text):
        text = text.replace('missing_codes = [99]', 'missing_codes = [99]\nrecommend = "q12_nps"')
        text = text.replace("[survey.scales.satisfaction]",
                            '[survey.scales.contentment]\nfactor = "satisfaction"')
        return text.replace("[survey.scales.referral]",
                            '[survey.scales.word_of_mouth]\nfactor = "referral"')

    spec = _rewrite_survey(folder, renames, edit)
    lib = intake.read_spec(spec)
    assert lib.recommend == "q12_nps"
    assert lib.factors["satisfaction"] == "contentment" and lib.factors["referral"] == \
        "word_of_mouth"
    out = tmp_path / "roles.html"
    assert cli.main(["report", str(spec), "--out", str(out), "--no-progress"]) == 0
    text = _text(out)
    score = metrics.nps(lib.survey, "q12_nps")
    assert f"NPS {score.nps:.0f} (95% interval {score.ci_low:.0f} to" in text
    assert "satisfaction is measured by the scale contentment" in text
    assert "Segments need" not in text and "true" in text and "spurious" in text
    assert "No 0-10 recommendation item" not in text

    # without a referral factor the section says what to add, and the rest is written
    spec.write_text(spec.read_text().replace('factor = "referral"\n', ""))
    out2 = tmp_path / "noref.html"
    assert cli.main(["report", str(spec), "--out", str(out2), "--no-progress"]) == 0
    text = html.unescape(_text(out2))
    assert "names none for referral" in text
    assert 'Add a factor key (e.g. factor = "referral" )' in text
    assert "What a member is worth" in text
