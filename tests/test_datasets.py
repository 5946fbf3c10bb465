"""Shipped data: loaders, dtypes, provenance and regeneration of the simulated library."""

import gzip
import hashlib

import pandas as pd
import pytest

from loyaltylab import datasets
from loyaltylab._make_datasets import generic_example, koha_example, review_pages
from loyaltylab.simulate import SHIPPED, library, write

# sha256 of the files as obtained (lifetimes 0.11.3 data folder; plspm-python test data), so the
# datasheets' "byte-identical" claim is checked.
ORIGINAL_SHA256 = {
    ("cdnow", "CDNOW_master.txt"):
        "eff6889ed364c5199d6eacbbeb7a6d559971df4406ac876f322c373f00a072ef",
    ("cdnow", "donations.csv"):
        "82c25f26a201ff047e1cd5fe3d7967a45db92a025ecedee72ff8940e50104544",
    ("ecsi", "mobi.csv"): "3b570b477b75af1b0593d8538cd0566e89c01c5bef6a0857cfdb6264d7a96894",
    ("ecsi", "satisfaction.csv"):
        "7472dc1222129c94ecb4b1f0fdab1e9d82bd15023b09eb55f527ba4c6bc9d5e9",
    ("shxco", "SCoData_members_v1.2_2022-01.csv"):
        "4f9af87112e811cd54b91d8a339e8bb6bd6672d715905b0fe60f951ef013aee2",
}


@pytest.mark.parametrize("parts", list(ORIGINAL_SHA256), ids=lambda p: "/".join(p))
def test_real_data_are_byte_identical_to_the_source(parts):
    digest = hashlib.sha256(datasets.data_path(*parts).read_bytes()).hexdigest()
    assert digest == ORIGINAL_SHA256[parts]


def test_every_dataset_folder_has_a_datasheet(root):
    for folder in (root / "datasets").iterdir():
        if folder.is_dir():
            sheet = (folder / "README.md").read_text()
            for word in ("How it was made" if folder.name in ("library", "koha_example",
                                                              "generic_example")
                         else "Provenance",
                         "Licence", "aveat"):
                assert word in sheet, f"{folder.name} datasheet lacks {word!r}"


def test_list_datasets_one_line_each():
    df = datasets.list_datasets()
    assert {"library", "cdnow", "donations", "ecsi_mobi", "ecsi_bank"} <= set(df.index)
    assert df["description"].str.len().between(20, 200).all()


def test_cdnow_matches_the_literature():
    df = datasets.load_cdnow()
    # Fader, Hardie & Lee (2005): 23,570 customers, first purchase in Q1 1997, to mid-1998.
    assert len(df) == 69659 and df["customer_id"].nunique() == 23570
    assert df["date"].dtype == "datetime64[ns]"
    assert df["date"].min() == pd.Timestamp("1997-01-01")
    assert df["date"].max() == pd.Timestamp("1998-06-30")
    first = df.groupby("customer_id")["date"].min()
    assert first.max() < pd.Timestamp("1997-04-01")


def test_donations_and_ecsi():
    don = datasets.load_donations()
    assert list(don.columns) == ["frequency", "recency", "periods", "weights"]
    assert don["weights"].sum() == 11104 and (don["periods"] == 6).all()
    mobi = datasets.load_ecsi("mobi")
    assert mobi.shape == (250, 24) and mobi.notna().all().all()
    assert mobi.min().min() >= 1 and mobi.max().max() <= 10
    bank = datasets.load_ecsi("bank")
    assert bank.shape == (250, 28) and bank["gender"].dtype == "category"
    with pytest.raises(ValueError, match="name must be one of"):
        datasets.load_ecsi("cars")


def test_library_dtypes(lib):
    m, v, s, c = lib.members, lib.visits, lib.survey, lib.complaints
    assert m["joined"].dtype == "datetime64[ns]" and m["lapsed"].dtype == "datetime64[ns]"
    assert m["member_type"].dtype == "category" and v["kind"].dtype == "category"
    assert c["category"].dtype == "category"
    assert list(c["category"].cat.categories) == ["people", "systems", "value"]
    assert s["date"].dtype == "datetime64[ns]"
    assert m["member_id"].is_unique
    assert 150_000 < len(v) < 500_000
    assert lib.truth is not None and len(lib.truth.members) == len(m)
    assert lib.as_of == pd.Timestamp("2024-12-31")
    assert datasets.load_library(truth=False).truth is None


@pytest.mark.slow
@pytest.mark.parametrize("name", ["library", "koha_example", "generic_example"])
def test_shipped_library_regenerates_identically(tmp_path, name):
    lib = library(**SHIPPED, progress=False)
    write(lib, tmp_path / "library")
    koha_example(lib, tmp_path / "koha_example")
    review_pages(tmp_path / "koha_example")
    generic_example(tmp_path / "generic_example")
    shipped = datasets.data_path(name)
    for path in sorted(shipped.iterdir()):
        if path.name in ("README.md", "spec.toml"):
            continue
        new = tmp_path / name / path.name
        if path.suffix == ".gz":
            same = gzip.decompress(path.read_bytes()) == gzip.decompress(new.read_bytes())
        else:
            same = path.read_bytes() == new.read_bytes()
        assert same, f"{path.name} differs from a fresh regeneration: run `make datasets`"


def test_shxco_loader():
    m = datasets.load_shxco()
    assert m.shape == (5235, 10)
    assert m["member"].is_unique
    assert int((m["years"].map(len) == 0).sum()) == 58
    assert m["gender"].value_counts().to_dict() == {"Female": 2524, "Male": 1514,
                                                   "Nonbinary": 1}
    assert int(m["nationality"].notna().sum()) == 581
    # a gap year survives parsing: '1921;1922;1923;1925' -> (1921, 1922, 1923, 1925)
    assert all(list(t) == sorted(t) for t in m["years"])
    assert "shxco" in datasets.list_datasets().index
