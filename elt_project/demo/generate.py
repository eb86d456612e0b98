"""Deterministic generation of the demo's sales history and fresh files.

Two years of daily orders with trend, weekly and yearly seasonality, and a planted
story for analysts: on one recent date the West region's Online channel collapses
(nine in ten of its orders vanish), and a few dates carry anomalous spikes (about 3x the
usual volume). The same seed and anchor date always give the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import numpy as np

REGIONS = ("North", "South", "East", "West", "Central")
CHANNELS = ("Online", "Retail", "Wholesale", "Partner")
SEGMENTS = ("Consumer", "Corporate", "Small Business")
CATEGORIES = (
    "Electronics",
    "Home Goods",
    "Grocery",
    "Apparel",
    "Sports",
    "Toys",
    "Beauty",
    "Office",
)
_CATEGORY_PRICE = {
    "Electronics": 180.0,
    "Home Goods": 45.0,
    "Grocery": 8.0,
    "Apparel": 35.0,
    "Sports": 60.0,
    "Toys": 25.0,
    "Beauty": 18.0,
    "Office": 12.0,
}
_ADJECTIVES = ("Classic", "Pro", "Eco", "Smart", "Ultra", "Mini", "Max", "Prime", "Flex", "Nova")
_NOUNS = {
    "Electronics": ("Headphones", "Charger", "Speaker", "Monitor", "Keyboard"),
    "Home Goods": ("Lamp", "Pillow", "Kettle", "Blanket", "Vase"),
    "Grocery": ("Coffee", "Tea", "Granola", "Olive Oil", "Pasta"),
    "Apparel": ("T-Shirt", "Jacket", "Socks", "Cap", "Scarf"),
    "Sports": ("Yoga Mat", "Dumbbell", "Bottle", "Racket", "Ball"),
    "Toys": ("Puzzle", "Robot", "Blocks", "Kite", "Doll"),
    "Beauty": ("Lotion", "Shampoo", "Lip Balm", "Serum", "Soap"),
    "Office": ("Notebook", "Pen Set", "Stapler", "Planner", "Folder"),
}

#: One catalogue sentence per product noun, for the semantic search to read. They name
#: what a thing is and does, never the words of a shopper's query ("kitchen appliance"
#: must find the kettle by meaning, not by keyword).
_DESCRIPTIONS = {
    "Headphones": "Over-ear wireless headphones with noise cancelling and a 30-hour battery.",
    "Charger": "Fast USB-C wall charger for phones and tablets.",
    "Speaker": "Portable bluetooth speaker, splash-proof, with deep bass.",
    "Monitor": "27-inch display with thin bezels and an adjustable stand.",
    "Keyboard": "Mechanical keyboard with backlit keys and a detachable cable.",
    "Lamp": "Bedside light with a warm dimmable bulb and a linen shade.",
    "Pillow": "Soft memory-foam pillow with a washable cotton cover.",
    "Kettle": "Electric kettle, 1.7 litres, boils water for tea in two minutes and switches off by itself.",
    "Blanket": "Knitted wool throw for the sofa, warm and machine washable.",
    "Vase": "Hand-blown glass vase for fresh flowers.",
    "Coffee": "Whole roasted arabica beans, medium roast, 1 kg bag.",
    "Tea": "Loose-leaf green tea in a resealable tin.",
    "Granola": "Crunchy oat granola with honey, almonds and dried berries.",
    "Olive Oil": "Cold-pressed extra virgin olive oil from Spain, 750 ml.",
    "Pasta": "Bronze-cut durum wheat spaghetti, 500 g.",
    "T-Shirt": "Organic cotton crew-neck tee, regular fit.",
    "Jacket": "Lightweight waterproof rain jacket with a hood.",
    "Socks": "Pack of five merino wool socks.",
    "Cap": "Baseball cap with an adjustable strap and a curved brim.",
    "Scarf": "Long cashmere scarf in a herringbone weave.",
    "Yoga Mat": "Non-slip exercise mat, 6 mm thick, with a carrying strap.",
    "Dumbbell": "Adjustable hand weight from 2 to 20 kg for strength training.",
    "Bottle": "Insulated steel water bottle that keeps drinks cold for a day.",
    "Racket": "Graphite tennis racket for intermediate players.",
    "Ball": "Size 5 match football with stitched panels.",
    "Puzzle": "1000-piece jigsaw of a mountain lake.",
    "Robot": "Programmable robot building kit for children aged 8 and up.",
    "Blocks": "Wooden building blocks in bright colours, 100 pieces.",
    "Kite": "Single-line diamond kite for the beach.",
    "Doll": "Rag doll with a cotton dress and embroidered face.",
    "Lotion": "Unscented body lotion for dry skin.",
    "Shampoo": "Gentle daily shampoo for all hair types.",
    "Lip Balm": "Beeswax lip balm with shea butter.",
    "Serum": "Vitamin C face serum that brightens the complexion.",
    "Soap": "Handmade olive soap bar with lavender.",
    "Notebook": "A5 dotted notebook with 160 pages and a hard cover.",
    "Pen Set": "Set of three gel pens in black, blue and red.",
    "Stapler": "Desktop stapler for up to 25 sheets.",
    "Planner": "Undated weekly planner with monthly overviews.",
    "Folder": "Expanding file folder with 13 pockets.",
}

PRODUCT_COUNT = 200
CUSTOMER_COUNT = 2_000
HISTORY_DAYS = 730
FRESH_DAYS = 4
BASE_ORDERS_PER_DAY = 290


@dataclass(frozen=True)
class Story:
    """The dates an analyst should discover."""

    history_start: date
    history_end: date
    drop_date: date
    drop_region: str
    drop_channel: str
    spike_dates: tuple[date, ...]
    fresh_dates: tuple[date, ...]


def story_for(anchor: date) -> Story:
    """Dates of the planted story relative to ``anchor`` (normally today)."""
    history_end = anchor - timedelta(days=FRESH_DAYS + 1)
    return Story(
        history_start=history_end - timedelta(days=HISTORY_DAYS - 1),
        history_end=history_end,
        drop_date=history_end - timedelta(days=6),
        drop_region="West",
        drop_channel="Online",
        spike_dates=tuple(history_end - timedelta(days=d) for d in (412, 233, 97)),
        fresh_dates=tuple(history_end + timedelta(days=i) for i in range(1, FRESH_DAYS + 1)),
    )


@cache
def products() -> list[dict]:
    """~200 products spread over 8 categories, with stable SKUs."""
    rows = []
    for i in range(PRODUCT_COUNT):
        category = CATEGORIES[i % len(CATEGORIES)]
        nouns = _NOUNS[category]
        noun = nouns[(i // 80) % len(nouns)]
        name = f"{_ADJECTIVES[(i // 8) % len(_ADJECTIVES)]} {noun} {i + 1:03d}"
        row = {"sku": f"SKU-{i + 1:05d}", "product_name": name, "category": category}
        rows.append(row | {"description": _DESCRIPTIONS[noun]})
    return rows


def customers() -> list[dict]:
    rng = np.random.default_rng(7)
    regions = rng.choice(len(REGIONS), size=CUSTOMER_COUNT)
    segments = rng.choice(len(SEGMENTS), size=CUSTOMER_COUNT, p=(0.6, 0.25, 0.15))
    return [
        {
            "customer_id": f"C{i + 1:06d}",
            "customer_name": f"Customer {i + 1:04d}",
            "segment": SEGMENTS[segments[i]],
            "region": REGIONS[regions[i]],
        }
        for i in range(CUSTOMER_COUNT)
    ]


@cache
def _unit_prices() -> np.ndarray:
    rng = np.random.default_rng(11)
    base = np.array([_CATEGORY_PRICE[p["category"]] for p in products()])
    return np.round(base * rng.uniform(0.6, 1.6, size=len(base)), 2)


def orders_for_day(day: date, story: Story, rng: np.random.Generator) -> list[dict]:
    """The orders of one day, with the story applied."""
    t = (day - story.history_start).days / HISTORY_DAYS
    weekly = 0.8 if day.weekday() >= 5 else 1.0
    yearly = 1.0 + 0.25 * np.exp(-(((day.timetuple().tm_yday - 340) / 25.0) ** 2))
    expected = BASE_ORDERS_PER_DAY * (1.0 + 0.3 * t) * weekly * yearly
    if day in story.spike_dates:
        expected *= 3.0
    count = int(rng.poisson(expected))
    product_idx = rng.integers(0, PRODUCT_COUNT, size=count)
    region_idx = rng.choice(len(REGIONS), size=count, p=(0.22, 0.18, 0.2, 0.25, 0.15))
    channel_idx = rng.choice(len(CHANNELS), size=count, p=(0.4, 0.3, 0.15, 0.15))
    customer_idx = rng.integers(0, CUSTOMER_COUNT, size=count)
    quantity = rng.geometric(0.35, size=count).clip(1, 20)
    jitter = rng.uniform(0.95, 1.05, size=count)
    keep = np.ones(count, dtype=bool)
    if day == story.drop_date:
        in_segment = (region_idx == REGIONS.index(story.drop_region)) & (
            channel_idx == CHANNELS.index(story.drop_channel)
        )
        dropped = np.flatnonzero(in_segment)
        keep[dropped[np.arange(len(dropped)) % 10 != 0]] = False  # exactly 9 in 10 orders vanish
    prices = _unit_prices()[product_idx] * jitter
    catalogue = products()
    rows = []
    stamp = day.strftime("%Y%m%d")
    for n in np.flatnonzero(keep):
        unit_price = round(float(prices[n]), 2)
        qty = int(quantity[n])
        product = catalogue[product_idx[n]]
        rows.append(
            {
                "order_id": f"SO-{stamp}-{n + 1:05d}",
                "order_date": day,
                "region": REGIONS[region_idx[n]],
                "product_sku": product["sku"],
                "product_category": product["category"],
                "channel": CHANNELS[channel_idx[n]],
                "customer_id": f"C{customer_idx[n] + 1:06d}",
                "quantity": qty,
                "unit_price": unit_price,
                "amount": round(qty * unit_price, 2),
            }
        )
    return rows


def history(story: Story, *, seed: int = 20240101):
    """Yield the history one day at a time (lists of order dicts), oldest first."""
    rng = np.random.default_rng(seed)
    day = story.history_start
    while day <= story.history_end:
        yield orders_for_day(day, story, rng)
        day += timedelta(days=1)


def fresh_orders(story: Story, *, seed: int = 777) -> dict[date, list[dict]]:
    """Orders for the days after the history: the files waiting in the monitored folder."""
    rng = np.random.default_rng(seed)
    return {day: orders_for_day(day, story, rng) for day in story.fresh_dates}


def inventory_snapshot(day: date, *, seed: int = 5) -> list[dict]:
    rng = np.random.default_rng(seed + day.toordinal())
    rows = []
    for product in products():
        for warehouse in ("WH-North", "WH-South", "WH-Central"):
            rows.append(
                {
                    "sku": product["sku"],
                    "warehouse": warehouse,
                    "on_hand": int(rng.integers(0, 500)),
                    "snapshot_date": day.isoformat(),
                }
            )
    return rows
