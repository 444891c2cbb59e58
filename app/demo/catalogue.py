"""Word lists and reference figures the demo generator draws from."""

# Per-capita community emissions (tCO2e a year) by country, rounded from public inventories;
# other countries draw from the default range.
PER_CAPITA = {
    "US": (12.0, 16.0), "CA": (11.0, 15.0), "AU": (11.0, 15.0), "DE": (6.5, 9.0), "GB": (4.5, 6.5),
    "FR": (4.0, 6.0), "IT": (5.0, 7.0), "ES": (4.5, 6.5), "NL": (7.0, 9.5), "JP": (7.0, 9.0),
    "CN": (6.0, 9.0), "IN": (1.5, 2.5), "BR": (2.0, 3.5), "ZA": (6.0, 8.5), "MX": (3.0, 4.5),
}
DEFAULT_PER_CAPITA = (2.5, 7.0)

# Share of community emissions by GPC sector (stationary energy, transport, waste, IPPU, AFOLU).
SECTOR_SHARES = [(0.45, 0.60), (0.22, 0.36), (0.03, 0.09), (0.00, 0.12), (0.00, 0.04)]

ACTIONS = {
    "stationary_energy": [
        ("Retrofit public buildings", "Deep energy retrofits of schools, offices and social housing.", "FLM"),
        ("District heating from waste heat", "Connect industrial waste heat to the heating network.", "CD"),
        ("Rooftop solar programme", "Solar panels on commercial and public roofs.", "DFL"),
    ],
    "transportation": [
        ("Electrify city buses", "Replace diesel buses with battery-electric ones by 2030.", "HC"),
        ("Zero-emission freight zone", "Low-emission logistics hubs and cargo bikes in the centre.", "HGN"),
        ("Protected cycle network", "A continuous network of protected cycle lanes.", "FH"),
    ],
    "waste": [
        ("Organic waste collection", "Separate collection of food waste for biogas.", "EI"),
        ("Landfill methane capture", "Capture and use methane from the municipal landfill.", "ED"),
    ],
    "ippu": [
        ("Low-carbon cement in public works", "Require low-clinker cement in city contracts.", "CF"),
        ("Refrigerant leak programme", "Find and fix refrigerant leaks in commercial cooling.", "CGI"),
    ],
    "afolu": [
        ("Urban forest", "Plant and protect urban trees and green corridors.", "AN"),
        ("Peri-urban regenerative farming", "Support farms around the city in cutting fertiliser emissions.", "AC"),
    ],
}

NAME_STARTS = ["Alp", "Bor", "Cal", "Dun", "Elm", "Fal", "Gar", "Hol", "Ist", "Jor", "Kel", "Lum", "Mar", "Nor",
               "Ost", "Pel", "Quin", "Ros", "Sil", "Tor", "Ulm", "Val", "Wes", "Xan", "Yor", "Zel"]
NAME_ENDS = ["ex", "ia", "on", "ar", "is", "um", "ova", "ent", "ico", "ara", "ell", "ine", "ora", "tek"]
SECTOR_WORDS = {
    "A": "Agri", "B": "Mining", "C": "Industries", "D": "Energy", "E": "Environmental Services", "F": "Construction",
    "G": "Retail", "H": "Logistics", "I": "Hospitality", "J": "Digital", "K": "Finance", "L": "Properties",
    "M": "Consulting", "N": "Services", "O": "Public Services", "P": "Education", "Q": "Health", "R": "Leisure",
    "S": "Services", "T": "Household Services", "U": "International",
}
LEGAL_FORMS = {"FR": "SA", "DE": "GmbH", "ES": "SL", "IT": "SpA", "NL": "BV", "GB": "Ltd", "US": "Inc.", "BR": "Ltda",
               "JP": "KK", "IN": "Pvt Ltd", "ZA": "(Pty) Ltd", "MX": "SA de CV", "CA": "Inc.", "AU": "Pty Ltd"}
# ISIC sections weighted roughly as firms are distributed in cities.
SECTOR_WEIGHTS = {"A": 2, "B": 1, "C": 14, "D": 3, "E": 2, "F": 10, "G": 18, "H": 7, "I": 8, "J": 6, "K": 4,
                  "L": 5, "M": 8, "N": 5, "P": 2, "Q": 3, "R": 1, "S": 1}

# Countries of the small demo, each with its five largest cities.
SMALL_COUNTRIES = ["FR", "DE", "ES", "IT", "NL", "GB", "US", "BR", "IN", "ZA", "JP", "MX"]

# The country whose national office runs the demo's national network.
NATIONAL_NETWORK_COUNTRY = "FR"

# Hand-drawn boundaries of the cities featured on the home page ([lon, lat] rings).
FEATURED_BOUNDARIES = {
    ("FR", "Lyon"): [[4.771, 45.707], [4.806, 45.694], [4.862, 45.706], [4.898, 45.724], [4.901, 45.757],
                     [4.884, 45.789], [4.845, 45.808], [4.807, 45.800], [4.783, 45.776], [4.770, 45.740],
                     [4.771, 45.707]],
    ("DE", "Berlin"): [[13.089, 52.418], [13.191, 52.391], [13.415, 52.375], [13.640, 52.388], [13.761, 52.446],
                       [13.742, 52.545], [13.585, 52.642], [13.393, 52.675], [13.198, 52.626], [13.109, 52.545],
                       [13.089, 52.418]],
    ("ES", "Madrid"): [[-3.839, 40.371], [-3.752, 40.315], [-3.638, 40.330], [-3.527, 40.389], [-3.540, 40.482],
                       [-3.610, 40.560], [-3.700, 40.585], [-3.790, 40.540], [-3.860, 40.460], [-3.839, 40.371]],
}
