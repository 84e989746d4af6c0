"""Vocabularies the demo population is drawn from: names, trades, places, streets, brands.

Kept as plain tuples so that the generator can turn them into numpy arrays and index them
vectorised. Every string is Latin-1 safe because the revenue extract is written in Latin-1.
"""

SURNAMES_EN: tuple[str, ...] = (
    "MacDonald", "MacLeod", "Smith", "MacKenzie", "Campbell", "Fraser", "MacNeil", "Murphy",
    "Stewart", "MacLean", "Cameron", "Chisholm", "MacIsaac", "Sullivan", "Jones", "Wilson",
    "MacPherson", "Graham", "Young", "Hiltz", "Publicover", "Zinck", "Langille", "Ernst",
    "Oickle", "Conrad", "Wentzell", "Mosher", "Barkhouse", "Rafuse", "Crowell", "Nickerson",
    "Mahoney", "Power", "Walsh", "Doyle", "Brennan", "Kelly", "O'Brien", "Morrison", "Ross",
    "Beaton", "Gillis", "MacInnis", "Rankin", "Matheson", "Sutherland", "Munro", "Baker",
    "Cooper", "Brown", "Taylor", "Martin", "Clarke", "Reid", "Hamilton", "Thompson", "Parsons",
)
SURNAMES_ACADIAN: tuple[str, ...] = (
    "LeBlanc", "Comeau", "Doucet", "Thibodeau", "Saulnier", "Boudreau", "Aucoin", "Chiasson",
    "Cormier", "d'Entremont", "Muise", "Pothier", "Belliveau", "Robichaud", "Deveau", "Gaudet",
    "Landry", "Poirier", "Arsenault", "Gallant", "Surette", "Amirault", "Babin", "Melanson",
    "Thériault", "Bourque", "Hébert", "Leménager", "Samson", "Boudrot", "Gaudreau", "Côté",
)
GIVEN_NAMES_EN: tuple[str, ...] = (
    "John", "Mary", "James", "Sarah", "Michael", "Jennifer", "David", "Heather", "Robert",
    "Karen", "Ian", "Catherine", "Angus", "Margaret", "Colin", "Jessica", "Donald", "Emily",
    "Neil", "Laura", "Scott", "Megan", "Kevin", "Amanda", "Brian", "Rebecca", "Gordon", "Anne",
)
GIVEN_NAMES_FR: tuple[str, ...] = (
    "Jean", "Marie", "Pierre", "Josée", "André", "Chantal", "Réjean", "Lise", "Gérard",
    "Monique", "Luc", "Hélène", "René", "Nathalie", "Rémi", "Sylvie", "Benoît", "Geneviève",
    "Denis", "Yvette", "Marc", "Élise", "Gilles", "Claudette",
)

# Trades: English word, French word, NAICS, permit type (French), employer probability.
TRADES: tuple[tuple[str, str, str, str, float], ...] = (
    ("Plumbing", "Plomberie", "238220", "Permis de travaux", 0.8),
    ("Electric", "Électrique", "238210", "Permis de travaux", 0.8),
    ("Construction", "Construction", "236118", "Permis de construction", 0.85),
    ("Seafoods", "Pêcheries", "311710", "Permis de transformation du poisson", 0.9),
    ("Fisheries", "Pêcheries", "114113", "Permis de pêche commerciale", 0.6),
    ("Bakery", "Boulangerie", "311811", "Permis d'établissement alimentaire", 0.7),
    ("Restaurant", "Restaurant", "722511", "Permis d'établissement alimentaire", 0.9),
    ("Café", "Café", "722512", "Permis d'établissement alimentaire", 0.8),
    ("Trucking", "Transport", "484110", "Permis d'exploitation de véhicules", 0.8),
    ("Auto Repair", "Garage", "811111", "Permis d'entreposage de produits pétroliers", 0.7),
    ("Hair Studio", "Coiffure", "812116", "Licence d'établissement de services", 0.4),
    ("Landscaping", "Aménagement paysager", "561730", "Permis d'utilisation de pesticides", 0.6),
    ("Consulting", "Services-conseils", "541611", "Licence professionnelle", 0.3),
    ("Accounting", "Comptabilité", "541212", "Licence professionnelle", 0.5),
    ("Dental", "Dentaire", "621210", "Licence professionnelle", 0.8),
    ("Pharmacy", "Pharmacie", "446110", "Licence de pharmacie", 0.9),
    ("Farms", "Fermes", "111110", "Permis d'exploitation agricole", 0.5),
    ("Vineyards", "Vignobles", "312130", "Permis de fabrication d'alcool", 0.7),
    ("Forestry", "Foresterie", "113311", "Permis de coupe forestière", 0.7),
    ("Marine", "Marine", "336611", "Permis d'activité industrielle", 0.8),
    ("Motel", "Motel", "721110", "Licence d'hébergement touristique", 0.7),
    ("Kayak Tours", "Excursions en kayak", "487210", "Licence d'exploitation touristique", 0.5),
    ("Home Care", "Soins à domicile", "621610", "Licence de soins", 0.9),
    ("Daycare", "Garderie", "624410", "Licence de garderie", 0.9),
    ("Hardware", "Quincaillerie", "444130", "Permis de vente au détail", 0.8),
    ("Grocery", "Épicerie", "445110", "Permis d'établissement alimentaire", 0.85),
    ("Welding", "Soudure", "332999", "Permis d'activité industrielle", 0.7),
    ("Excavating", "Excavation", "238910", "Permis de carrière et sablière", 0.8),
    ("Painting", "Peinture", "238320", "Permis de travaux", 0.6),
    ("Software", "Logiciels", "541511", "Licence d'entreprise", 0.6),
)

DESCRIPTORS_EN: tuple[str, ...] = (
    "Bluenose", "Atlantic", "Maritime", "Cabot Trail", "Fundy", "South Shore", "Annapolis Valley",
    "Harbourview", "Seaside", "Highland", "Evangeline", "Acadia", "Northumberland", "Ocean",
    "Lighthouse", "Tidewater", "Sea Breeze", "Cape Breton", "Eastern Shore", "Kingfisher",
    "Red Spruce", "Granite", "Mayflower", "Lunenburg", "Bras d'Or", "Pictou County", "Minas",
)
DESCRIPTORS_FR: tuple[str, ...] = (
    "de la Baie", "du Havre", "Acadienne", "de l'Anse", "du Littoral", "Évangéline",
    "de la Pointe", "du Village", "des Îles", "de la Côte", "Sainte-Marie", "Saint-Pierre",
)

# Legal forms: English written forms and their French equivalents.
FORMS_EN: tuple[str, ...] = ("Limited", "Ltd.", "Inc.", "Incorporated", "Ltd", "Limited")
FORMS_FR: tuple[str, ...] = ("Limitée", "Ltée", "Inc.", "Ltée")
FORM_IN_FRENCH: dict[str, str] = {
    "Limited": "Limitée", "Ltd.": "Ltée", "Ltd": "Ltée", "Inc.": "Inc.", "Incorporated": "Inc.",
}
HOLDING_WORDS: tuple[str, ...] = ("Holdings", "Investments", "Enterprises", "Properties")

# Franchise brands: the same operating name carried by many unrelated franchisees.
BRANDS: tuple[str, ...] = (
    "Tim Hortons", "Subway", "Pizza Delight", "Greco Pizza", "Pharmasave", "Home Hardware",
    "Kent Building Supplies", "Needs Convenience", "Jean Coutu", "Irving Oil", "Foodland",
    "Dairy Queen",
)
BRAND_TRADE: dict[str, int] = {  # brand -> index into TRADES
    "Tim Hortons": 7, "Subway": 6, "Pizza Delight": 6, "Greco Pizza": 6, "Pharmasave": 15,
    "Home Hardware": 24, "Kent Building Supplies": 24, "Needs Convenience": 25,
    "Jean Coutu": 15, "Irving Oil": 9, "Foodland": 25, "Dairy Queen": 6,
}

# Communities: name, province, weight, FSA prefixes, area code, French-speaking.
PLACES: tuple[tuple[str, str, float, str, str, bool], ...] = (
    ("Halifax", "NS", 22.0, "B3H B3J B3K B3L B3M B3N B3P B3R B3S", "902", False),
    ("Dartmouth", "NS", 9.0, "B2V B2W B2X B2Y B3A B3B", "902", False),
    ("Bedford", "NS", 4.0, "B4A B4B", "782", False),
    ("Sydney", "NS", 6.0, "B1L B1M B1N B1P B1R B1S", "902", False),
    ("Truro", "NS", 3.5, "B2N", "902", False),
    ("New Glasgow", "NS", 2.5, "B2H", "902", False),
    ("Kentville", "NS", 2.0, "B4N", "902", False),
    ("Wolfville", "NS", 1.2, "B4P", "902", False),
    ("Bridgewater", "NS", 2.0, "B4V", "902", False),
    ("Lunenburg", "NS", 1.2, "B0J", "902", False),
    ("Yarmouth", "NS", 2.0, "B5A", "902", False),
    ("Antigonish", "NS", 1.8, "B2G", "902", False),
    ("Amherst", "NS", 1.6, "B4H", "902", False),
    ("Windsor", "NS", 1.2, "B0N", "902", False),
    ("Digby", "NS", 1.0, "B0V", "902", False),
    ("Port Hawkesbury", "NS", 1.0, "B9A", "902", False),
    ("Baddeck", "NS", 0.6, "B0E", "902", False),
    ("Chéticamp", "NS", 1.2, "B0E", "902", True),
    ("Church Point", "NS", 0.8, "B0W", "902", True),
    ("Meteghan", "NS", 0.8, "B0W", "902", True),
    ("Saulnierville", "NS", 0.5, "B0W", "902", True),
    ("Pubnico", "NS", 0.7, "B0W", "902", True),
    ("Tusket", "NS", 0.5, "B0W", "902", True),
    ("Petit-de-Grat", "NS", 0.4, "B0E", "902", True),
    ("Arichat", "NS", 0.5, "B0E", "902", True),
    ("Moncton", "NB", 2.0, "E1A E1C E1E", "506", False),
    ("Dieppe", "NB", 1.0, "E1A", "506", True),
    ("Shediac", "NB", 0.5, "E4P", "506", True),
    ("Caraquet", "NB", 0.4, "E1W", "506", True),
    ("Saint John", "NB", 1.2, "E2K E2L E2M", "506", False),
    ("Fredericton", "NB", 1.0, "E3A E3B", "506", False),
    ("Charlottetown", "PE", 1.2, "C1A C1E", "902", False),
    ("Summerside", "PE", 0.5, "C1N", "902", False),
    ("Wellington", "PE", 0.2, "C0B", "902", True),
    ("Montréal", "QC", 1.5, "H2X H3A H3B", "514", True),
    ("Québec", "QC", 0.6, "G1K G1R", "418", True),
    ("Gatineau", "QC", 0.3, "J8T J8X", "819", True),
    ("Toronto", "ON", 1.2, "M5H M5J M4W", "416", False),
    ("Ottawa", "ON", 0.4, "K1P K2P", "613", False),
    ("St. John's", "NL", 0.5, "A1C A1E", "709", False),
    ("Calgary", "AB", 0.4, "T2P T2R", "403", False),
    ("Vancouver", "BC", 0.3, "V6B V6C", "604", False),
)
OLD_PROVINCE_CODES: dict[str, str] = {"QC": "PQ", "NL": "NF"}

STREETS_EN: tuple[str, ...] = (
    "Main", "Water", "King", "Queen", "Prince", "Victoria", "Church", "Pleasant", "Commercial",
    "Portland", "Barrington", "Hollis", "Spring Garden", "Pictou", "Charlotte", "George",
    "Brunswick", "Highland", "Harbour", "Park", "Maple", "Oak", "Birch", "Pine", "Elm",
    "College", "Lakeshore", "Shore", "Mountain", "Acadia", "Cornwallis", "Herring Cove",
    "Windmill", "Sackville", "Cobequid", "Bedford", "Esplanade", "Reeves", "Alexandra",
)
STREET_TYPES_EN: tuple[str, ...] = (
    "Street", "Street", "Street", "Road", "Road", "Avenue", "Drive", "Lane", "Crescent",
    "Boulevard", "Highway", "Court",
)
STREETS_FR: tuple[str, ...] = (
    "Rue Principale", "Chemin du Quai", "Rue de l'Église", "Chemin Cap-Rouge", "Rue Acadie",
    "Route 1", "Chemin de la Pointe", "Rue Saint-Pierre", "Rue Belliveau", "Chemin Sainte-Anne",
    "Rue du Moulin", "Chemin du Lac",
)

# Abbreviation pairs: full form -> short form (applied both ways by the noise).
ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("Street", "St"), ("Avenue", "Ave"), ("Road", "Rd"), ("Drive", "Dr"), ("Boulevard", "Blvd"),
    ("Crescent", "Cres"), ("Highway", "Hwy"), ("Court", "Crt"), ("Lane", "Ln"),
    ("Limited", "Ltd"), ("Incorporated", "Inc"), ("Limitée", "Ltée"), ("Company", "Co"),
    ("Chemin", "Ch."), ("Saint", "St"), ("Route", "Rte"),
)

# Shared registered offices: law firms and accountants that act for many companies.
SHARED_OFFICES: tuple[tuple[str, str, str, str], ...] = (
    ("1959 Upper Water Street, Suite 900", "Halifax", "NS", "B3J 3N2"),
    ("1801 Hollis Street, Suite 1200", "Halifax", "NS", "B3J 3N4"),
    ("5151 George Street, Suite 1700", "Halifax", "NS", "B3J 1M5"),
    ("1969 Upper Water Street, Suite 2100", "Halifax", "NS", "B3J 3R7"),
    ("500 George Place, 3rd Floor", "Sydney", "NS", "B1P 1K6"),
    ("99 Wyse Road, Suite 600", "Dartmouth", "NS", "B3A 4S5"),
    ("35 Commercial Street, Suite 400", "Truro", "NS", "B2N 3H9"),
    ("1663 Route 1", "Church Point", "NS", "B0W 1M0"),
    ("15446 Cabot Trail", "Chéticamp", "NS", "B0E 1H0"),
    ("140 Water Street", "Yarmouth", "NS", "B5A 1L4"),
)

SOCIETY_PATTERNS_EN: tuple[str, ...] = (
    "{place} Community Development Society", "{place} Volunteer Fire Department",
    "{place} Curling Club", "{place} Historical Society", "{place} Food Bank Society",
    "{place} Minor Hockey Association",
)
SOCIETY_PATTERNS_FR: tuple[str, ...] = (
    "Société Saint-Pierre de {place}", "Conseil communautaire de {place}",
    "Club des aînés de {place}", "Société historique de {place}",
)
