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
        name = f"{_ADJECTIVES[(i // 8) % len(_ADJECTIVES)]} {nouns[(i // 80) % len(nouns)]} {i + 1:03d}"
        rows.append({"sku": f"SKU-{i + 1:05d}", "product_name": name, "category": category})
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
