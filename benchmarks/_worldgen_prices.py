"""The synthetic world's price files, one per real format, and the suppliers.toml that reads them."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import polars as pl

_QTY = np.array(["3", "12", ">10", "10+", "есть", "+", "++", "под заказ", "4-7", "1", "25",
                 "больше 100", "<5", "2 шт", "7", "40"])
# Kinds of part, each with the ways suppliers write it: a true group of interchangeable parts is
# one kind, so every offer of a class reads as the same thing (an oil filter's analogs are oil
# filters), whoever sells it.
KINDS = (
    ("Фильтр масляный", "Filter, oil 80x93", "Масляный фильтр двигателя"),
    ("Фильтр топливный", "Fuel filter", "Фильтр топливный тонкой очистки"),
    ("Фильтр воздушный", "Air filter"),
    ("Колодки тормозные; передние", "Колодки тормозные дисковые, к-т"),
    ("Амортизатор", "Амортизатор газовый задний"),
    ("Ремень ГРМ", "Timing belt, 111 teeth"),
    ("Диск тормозной (цена за 1 шт)", "Диск тормозной вентилируемый"),
)
_STORY_KINDS = (0, 1, 0)  # worldgen.STORY's groups 0-2: oil filters, fuel filters, oil filters
_SPELLINGS = np.array([text for kind in KINDS for text in kind])
_FIRST = np.cumsum([0] + [len(kind) for kind in KINDS])


def descriptions(group: np.ndarray, spelling: np.ndarray) -> np.ndarray:
    """Each offer's description: its part's group's kind, written the ``spelling``-th way of
    that kind (modulo its ways)."""
    kind = np.where(group < len(_STORY_KINDS),
                    np.take(_STORY_KINDS, np.minimum(group, len(_STORY_KINDS) - 1)),
                    group % len(KINDS))
    count = _FIRST[kind + 1] - _FIRST[kind]
    return _SPELLINGS[_FIRST[kind] + spelling % count]

# How the files spell some brands: the registry must bring them back to one brand.
_SPELL = {"MANN-FILTER": "MANN", "VAG": "VW", "KAYABA": "KYB", "LEMFÖRDER": "LEMFORDER",
          "FEBI BILSTEIN": "FEBI", "MERCEDES-BENZ": "MB", "GENERAL MOTORS": "GM"}
_SUPPLIERS = ("ALFA", "BETA", "GAMMA", "DELTA")
_SHARE = (0.4, 0.25, 0.2, 0.15)

SUPPLIERS_TOML = """\
# Supplier profiles of the synthetic world (see README, "Supplier price files").

[ALFA]
name = "Alfa Parts (Moscow warehouse)"
file = "prices/alfa.csv"
encoding = "cp1251"
delimiter = ";"
delivery_hours = 24
pickup_points = ["Г", "M1"]
min_order_sum = 500
stock_accuracy = 0.97
columns = {{ brand = "Бренд", article = "Артикул", description = "Наименование", price = "Цена", quantity = "Кол-во", delivery_days = "Срок" }}

[BETA]
name = "Beta Auto (local stock)"
file = "prices/beta.txt"
delivery_hours = 4
pickup_points = ["Г", "M1", "M2"]
min_order_sum = 0
stock_accuracy = 0.99
columns = {{ brand = "Brand", article = "Part No", description = "Name", price = "Price", quantity = "Stock", delivery_hours = "Hours" }}

[GAMMA]
name = "Gamma Import"
file = "prices/gamma.xlsx"
skip_rows = 4
delivery_hours = 120
pickup_points = ["M1"]
min_order_sum = 3000
returnable = false
prepayment = true
restrictions = "Electrical parts are not returnable"
stock_accuracy = 0.88
columns = {{ brand = 0, article = 1, description = 2, price = 3, quantity = 4 }}

[DELTA]
name = "Delta Trade"
file = "prices/delta.zip"
quote = "'"
delivery_hours = 72
pickup_points = ["Г"]
min_order_sum = 1500
stock_accuracy = 0.93
columns = {{ brand = "brand", article = "code", description = "name", price = "price", quantity = "qty", multiplicity = "pack" }}

[ONLINE1]
name = "Online supplier (ABCP API)"
delivery_hours = 48
pickup_points = ["Г", "M1"]
stock_accuracy = 0.95
api = {{ kind = "abcp", url = "{online_url}", login_env = "ONLINE1_LOGIN", password_env = "ONLINE1_PASSWORD", deadline_s = 3.0 }}
"""


def _price_text(kop: np.ndarray, style: str) -> pl.Series:
    rub, cents = kop // 100, kop % 100
    frame = pl.DataFrame({"r": rub, "c": cents})
    r, c = pl.col("r"), pl.col("c").cast(pl.String).str.zfill(2)
    if style == "comma":  # 1 234,50 (thousands separated by a space)
        expr = pl.when(r >= 1000).then(
            pl.format("{} {},{}", r // 1000, (r % 1000).cast(pl.String).str.zfill(3), c)
        ).otherwise(pl.format("{},{}", r, c))
    else:  # 1234.50
        expr = pl.format("{}.{}", r, c)
    return frame.select(expr).to_series()


def _offers(truth: pl.DataFrame, n: int, rng: np.random.Generator,
            in_order: bool = False) -> pl.DataFrame:
    if in_order:  # the caller already drew the parts on offer
        chosen = truth.head(n)
    else:
        picks = rng.integers(0, truth.height, n)
        picks[: min(13, n, truth.height)] = np.arange(min(13, n, truth.height))  # the story
        chosen = truth[picks]
    brand = chosen["brand"].to_numpy().astype(object)
    respell = rng.random(n) < 0.5
    for canon, spelled in _SPELL.items():
        brand[(brand == canon) & respell] = spelled
    kop = np.round(np.exp(rng.normal(7.5, 1.1, n)) * 100).astype(np.int64) + 1000
    return pl.DataFrame({
        "brand": brand.astype(str), "article": chosen["article"], "kop": kop,
        "qty": _QTY[rng.integers(0, _QTY.size, n)],
        "desc": descriptions(chosen["group"].to_numpy(), rng.integers(0, 8, n)),
        "days": rng.integers(0, 8, n), "hours": rng.integers(1, 72, n),
        "pack": np.where(rng.random(n) < 0.1, 2, 1),
    })


def _bad_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows a load must reject, with a reason: zero price, empty article."""
    bad = frame.head(2).with_columns(pl.Series("kop", [0, 12345]),
                                     pl.Series("article", ["OC 90", "--"]))
    return pl.concat([frame, bad])


def write_prices(out: Path, truth: pl.DataFrame, n_offers: int, rng: np.random.Generator,
                 online_url: str = "http://127.0.0.1:8765", in_order: bool = False) -> None:
    offers = _offers(truth, n_offers, rng, in_order)
    counts = np.floor(np.array(_SHARE) * n_offers).astype(int)
    # xlsx is written cell by cell: keep it to a size a real supplier would send
    counts[0] += max(0, counts[2] - 200_000)
    counts[2] = min(counts[2], 200_000)
    starts = np.concatenate([[0], np.cumsum(counts)])
    prices = out / "prices"
    prices.mkdir(parents=True, exist_ok=True)
    frames = {code: offers.slice(int(starts[i]), int(counts[i])) for i, code in
              enumerate(_SUPPLIERS)}
    # the story's parts sit at the head: BETA also stocks them, so the demo compares suppliers
    story = offers.head(min(13, n_offers))
    story = story.with_columns((pl.col("kop") * pl.Series(rng.uniform(0.8, 1.2, story.height)))
                               .cast(pl.Int64))
    frames["BETA"] = pl.concat([story, frames["BETA"]])

    alfa = _bad_rows(frames["ALFA"])
    text = alfa.select(
        pl.col("brand").alias("Бренд"), pl.col("article").alias("Артикул"),
        pl.col("desc").alias("Наименование"), _price_text(alfa["kop"].to_numpy(), "comma")
        .alias("Цена"), pl.col("qty").alias("Кол-во"),
        # every fourth row the expected and the guaranteed days, "2-4"
        pl.when((pl.int_range(pl.len()) % 4 == 3) & (pl.col("days") > 0))
        .then(pl.format("{}-{}", "days", pl.col("days") + 2))
        .otherwise(pl.col("days").cast(pl.String)).alias("Срок"),
    ).write_csv(separator=";", quote_style="necessary")
    preamble = 'Прайс-лист ООО "Альфа Партс";;;;;\nДата: 22.11.2026;;;;;\n'
    # cp1251 has no Ö: files in it write LEMFORDER (the registry knows that spelling)
    (prices / "alfa.csv").write_bytes((preamble + text.replace("Ö", "O")).encode("cp1251"))

    beta = frames["BETA"]
    text = beta.select(
        pl.col("brand").alias("Brand"), pl.col("article").alias("Part No"),
        pl.col("desc").alias("Name"), _price_text(beta["kop"].to_numpy(), "dot").alias("Price"),
        pl.col("qty").alias("Stock"), pl.col("hours").alias("Hours"),
    ).write_csv(separator="\t", quote_style="necessary")
    (prices / "beta.txt").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))

    _write_xlsx(prices / "gamma.xlsx", _bad_rows(frames["GAMMA"]))

    delta = frames["DELTA"]
    text = delta.select(
        pl.col("brand"), pl.col("article").alias("code"),
        pl.format("{}; {}", pl.col("desc"), pl.lit("аналог")).alias("name"),
        _price_text(delta["kop"].to_numpy(), "comma").alias("price"), pl.col("qty"),
        pl.col("pack"),
    ).write_csv(separator=";", quote_char="'", quote_style="non_numeric")
    buf = io.BytesIO()
    stamp = (2026, 11, 22, 6, 0, 0)  # fixed, so the same seed gives the same bytes
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("delta_price.csv", stamp), text.encode("utf-8"),
                    zipfile.ZIP_DEFLATED)
        zf.writestr(zipfile.ZipInfo("readme.txt", stamp),
                    "Прайс обновляется ежедневно в 06:00.\n".encode(), zipfile.ZIP_DEFLATED)
    (prices / "delta.zip").write_bytes(buf.getvalue())
    (out / "suppliers.toml").write_text(SUPPLIERS_TOML.format(online_url=online_url),
                                        encoding="utf-8")


def _write_xlsx(path: Path, frame: pl.DataFrame) -> None:
    """Three preamble rows, then the table; all-digit articles are stored as numbers, the way a
    spreadsheet keeps them."""
    from datetime import datetime

    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_properties({"created": datetime(2026, 11, 22, 6, 0, 0)})
    ws = wb.add_worksheet("Прайс")
    ws.write_row(0, 0, ["ООО Гамма Импорт"])
    ws.write_row(1, 0, ["Цены в рублях с НДС"])
    ws.write_row(2, 0, [])
    ws.write_row(3, 0, ["Производитель", "Номер", "Описание", "Цена", "Наличие"])
    digits = frame["article"].str.contains(r"^\d+$").to_numpy()
    cols = [frame[c].to_list() for c in ("brand", "article", "desc")]
    price = (frame["kop"].to_numpy() / 100).tolist()
    qty = frame["qty"].to_list()
    for i in range(frame.height):  # xlsxwriter writes cell by cell; fixtures only need thousands
        article: str | float = float(cols[1][i]) if digits[i] else cols[1][i]
        ws.write_row(4 + i, 0, [cols[0][i], article, cols[2][i], price[i], qty[i]])
    wb.close()
