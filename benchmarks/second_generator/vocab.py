"""Word lists for the second generator: company names in eight languages, streets, cities.

Written for this generator and kept apart from the demo's Nova Scotia vocabulary, so that the
benchmark measures the engine on names, legal forms and places it was not shaped for. Names
are built combinatorially (stem, surname, sector), never downloaded.
"""


def _words(text: str) -> tuple[str, ...]:
    """Split a `|`-separated list, so that multi-word stems stay one entry."""
    return tuple(w.strip() for w in text.split("|") if w.strip())


# Sectors shared by English, Vietnamese, Chinese and Arabic romanised names (as such firms
# usually register in Canada).
SECTORS_EN = _words(
    "Trading|Manufacturing|International|Technologies|Services|Construction|Distribution|"
    "Associates|General Contracting|Import Export|Logistics|Foods|Consulting|Holdings|"
    "Enterprises|Industries|Marine|Systems|Solutions|Restaurant|Grocery|Pharmacy|Auto Parts|"
    "Electric|Plumbing|Trucking|Textiles|Furniture|Brothers|Company"
)
SECTORS_FR = _words(
    "Construction|Transport|Boulangerie|Plomberie|Électrique|Services-conseils|Distribution|"
    "Alimentation|Excavation|Toiture|Menuiserie|Rénovation|Pharmacie|Quincaillerie|Traiteur|"
    "Imprimerie|Nettoyage|Paysagement|Informatique|Comptabilité|Assurances|Immobilier|"
    "Mécanique|Ébénisterie|Fromagerie"
)
SECTORS_DE = _words(
    "Maschinenbau|Logistik|Handel|Bau|Technik|Elektrotechnik|Metallbau|Spedition|Bäckerei|"
    "Feinkost|Gartenbau|Holzbau|Autohaus|Immobilien|Werkzeugbau|Kunststofftechnik|Anlagenbau|"
    "Medizintechnik|Brauerei|Möbelwerk|Reisen|Getränke|Druckerei|Verpackung|Solartechnik"
)
SECTORS_ES = _words(
    "Construcciones|Distribuidora|Comercial|Transportes|Inversiones|Alimentos|Importaciones|"
    "Servicios|Textiles del Sur|Panadería|Ferretería|Inmobiliaria|Consultores|Industrias|"
    "Exportaciones|Muebles|Farmacia|Seguros|Tecnología|Logística|Agrícola|Pesquera|Minera|"
    "Turismo|Hermanos"
)
SECTORS_IT = _words(
    "Costruzioni|Alimentari|Trasporti|Impianti|Forniture|Serramenti|Arredamenti|Macchine|"
    "Ceramiche|Tessuti|Panificio|Pasticceria|Salumificio|Caseificio|Vini|Oleificio|Meccanica|"
    "Edilizia|Elettronica|Moda|Distribuzione|Importazioni|Servizi|Logistica|Fratelli"
)

STEMS_EN = _words(
    "Summit|Northern|Pacific|Atlantic|Granite|Maple Leaf|Harbour|Oakridge|Silver Birch|"
    "Red River|Blue Water|Evergreen|Pinnacle|Keystone|Crown|Frontier|Horizon|Lakeside|"
    "Riverside|Highland|Prairie|Coastal|Cornerstone|Heritage|Liberty|Meridian|Sterling|"
    "Trillium|Westwind|Eastgate|Northstar|Ironwood|Cedar Grove|Falcon|Eagle|Beacon|Compass|"
    "Anchor|Pioneer|Apex|Legacy|Mountain View|Saint Clair|Kingsway|Royal Oak|Victoria Park|"
    "Emerald|Sunrise|Twin Rivers|Bluebird"
)
SURNAMES_EN = _words(
    "Smith|Johnson|Williams|Brown|Jones|Miller|Davis|Wilson|Anderson|Taylor|Thomas|Moore|"
    "Martin|Thompson|White|Harris|Clark|Lewis|Robinson|Walker|Young|Allen|King|Wright|Scott|"
    "Green|Baker|Adams|Nelson|Hill|Campbell|Mitchell|Roberts|Carter|Phillips|Evans|Turner|"
    "Parker|Collins|Edwards"
)
STEMS_FR = _words(
    "Beaulieu|Montcalm|Saint-Laurent|Bellevue|Champlain|Laurentides|Bois-Franc|Rive-Sud|"
    "Mont-Royal|Belle-Rivière|Grand-Pré|Lac-Beauport|Sainte-Foy|Haute-Ville|Val-d'Or|Beauport|"
    "Bonaventure|Chaudière|Côte-Nord|Frontenac|Gaspésie|Maisonneuve|Outaouais|Richelieu|"
    "Saguenay|Trois-Pistoles|Vieux-Port|Beaumont|Bellechasse|Boréal|Cap-Rouge|Charlevoix|"
    "Deux-Montagnes|Érablière|Fleur-de-Lys|Lotbinière|Matane|Portneuf|Rimouski|Soleil Levant|"
    "Étoile du Nord|Pointe-Claire|Saint-Jean|Sainte-Anne|Saint-Denis|Mille-Îles|Sept-Îles|"
    "Val-Bélair|Beauce|Kamouraska"
)
SURNAMES_FR = _words(
    "Tremblay|Gagnon|Roy|Côté|Bouchard|Gauthier|Morin|Lavoie|Fortin|Gagné|Ouellet|Pelletier|"
    "Bélanger|Lévesque|Bergeron|Leblanc|Paquette|Girard|Simard|Boucher|Caron|Cloutier|Dubé|"
    "Poirier|Fournier|Lapointe|Leclerc|Lefebvre|Poulin|Thibault|St-Pierre|Nadeau|Martel|"
    "Gilbert|Hébert|Dufour|Mercier|Lemieux|Rousseau|Béland"
)
STEMS_DE = _words(
    "Nordlicht|Bergland|Sonnenhof|Waldhaus|Rheintal|Alpenblick|Eichenhof|Lindenbaum|"
    "Schwarzwald|Elbtal|Donau|Hansa|Adler|Falke|Greif|Kronen|Stern|Blauberg|Grünwald|"
    "Steinbach|Rosenthal|Tannenberg|Weißdorn|Fichtel|Ostsee|Nordsee|Isar|Mosel|Neckar|"
    "Brücken|Hochland|Seeblick|Talblick|Morgenrot|Edelweiß|Bergquell|Kornblume|Silberberg|"
    "Goldbach|Ahornhof|Birkenhain|Falkenstein|Löwenherz|Schönfeld|Weißenburg|Mühlbach|Grünau|"
    "Bärental|Hügelland|Sonnenberg"
)
SURNAMES_DE = _words(
    "Müller|Schmidt|Schneider|Fischer|Weber|Meyer|Wagner|Becker|Schulz|Hoffmann|Schäfer|Koch|"
    "Bauer|Richter|Klein|Wolf|Schröder|Neumann|Schwarz|Zimmermann|Braun|Krüger|Hofmann|"
    "Hartmann|Lange|Schmitt|Werner|Schmitz|Krause|Meier|Lehmann|Schmid|Schulze|Maier|Köhler|"
    "Herrmann|König|Walter|Mayer|Huber"
)
STEMS_ES = _words(
    "Alameda|Sol Naciente|Costa Azul|Monte Verde|Río Grande|Sierra Nevada|Las Palmas|"
    "Buena Vista|El Dorado|Puerta del Sol|San Martín|Santa Fe|Nueva Esperanza|La Esperanza|"
    "Los Andes|Mar Azul|Vista Hermosa|El Roble|La Estrella|Tierra Firme|Valle Verde|"
    "Cielo Abierto|Punta Arenas|La Cumbre|El Faro|Las Brisas|Torre Blanca|Luna Llena|"
    "Piedra Blanca|Agua Clara|San Rafael|Santa Rosa|Los Pinos|El Mirador|Campo Real|"
    "Villa Real|Río Claro|Altamira|Bella Vista|Tres Reyes|San José|Monte Alto|Las Américas|"
    "Nuevo Mundo|La Ceiba|El Cedro|Palma Real|La Palma|Sol y Mar|Los Olivos"
)
SURNAMES_ES = _words(
    "García|Rodríguez|González|Fernández|López|Martínez|Sánchez|Pérez|Gómez|Martín|Jiménez|"
    "Ruiz|Hernández|Díaz|Moreno|Muñoz|Álvarez|Romero|Alonso|Gutiérrez|Navarro|Torres|"
    "Domínguez|Vázquez|Ramos|Gil|Ramírez|Serrano|Blanco|Molina|Morales|Suárez|Ortega|"
    "Delgado|Castro|Ortiz|Rubio|Marín|Sanz|Peña"
)
STEMS_IT = _words(
    "Stella Alpina|Monte Bianco|Val d'Aosta|Bel Paese|Dolce Vita|Terra Nostra|Buon Gusto|"
    "Sole Mio|Lago Maggiore|Villa Borghese|Porta Nuova|Campo Verde|Colle Alto|Fonte Chiara|"
    "Gran Sasso|Isola Bella|Mare Nostrum|Nuova Era|Ponte Vecchio|Rocca Alta|San Marco|"
    "Santa Lucia|Torre Alta|Vecchia Roma|Vigna Verde|Arcobaleno|Aurora|Galassia|Girasole|"
    "Laguna|Mediterraneo|Orizzonte|Primavera|Quercia|Rinascita|Scoglio|Tramonto|Vesuvio|Etna|"
    "Dolomiti|Toscana|Umbria|Piemonte|Liguria|Sardegna|Calabria|Adriatico|Tirreno|Belvedere|"
    "Sant'Angelo"
)
SURNAMES_IT = _words(
    "Rossi|Russo|Ferrari|Esposito|Bianchi|Romano|Colombo|Ricci|Marino|Greco|Bruno|Gallo|"
    "Conti|De Luca|Mancini|Costa|Giordano|Rizzo|Lombardi|Moretti|Barbieri|Fontana|Santoro|"
    "Mariani|Rinaldi|Caruso|Ferrara|Galli|Martini|Leone|Longo|Gentile|Martinelli|Vitale|"
    "Lombardo|Serra|Coppola|De Santis|D'Angelo|Marchetti"
)
STEMS_VI = _words(
    "Phuc Loc|Thanh Cong|An Phat|Minh Tam|Hoa Binh|Viet Tien|Sai Gon|Ha Noi|Mekong|Kim Long|"
    "Hung Thinh|Phu Quoc|Tan Phu|Bach Dang|Thien An|Dai Viet|Hong Ha|Song Hong|Binh Minh|"
    "Hai Dang|Tuan Anh|Quang Minh|Ngoc Lan|Hoang Long|Duc Thanh|Gia Phat|Hiep Hoa|Thuan Phat|"
    "Phat Dat|Van Xuan|Lac Hong|Truong Son|Cuu Long|Sen Vang|Tre Xanh|Sao Mai|Nam Long|Bao An|"
    "Phuong Dong|Kim Phat"
)
SURNAMES_VI = _words(
    "Nguyen|Tran|Le|Pham|Hoang|Huynh|Phan|Vu|Vo|Dang|Bui|Do|Ho|Ngo|Duong|Ly|Truong|Dinh|Lam|"
    "Mai|Trinh|Cao|Luong|Ta|Quach|Thai|La|Kieu|Ha|Tong|Chau|Doan|Khuc|Lu|Ong|Quan|Tieu|Tu|"
    "Ung|Yen"
)
STEMS_ZH = _words(
    "Jin Long|Hua Xing|Da Tong|Fu Lin|Kang Tai|Xin Yuan|Tian Cheng|Hong Fa|Ming Yang|Jia He|"
    "Sheng Li|Long Teng|Bao Li|Hui Feng|Yong Sheng|Heng Tong|Rui Xiang|Jin Hua|Fu Xing|"
    "Tai Ping|Golden Dragon|Jade Garden|Red Lantern|Lucky Star|Pearl River|Great Wall|"
    "Silk Road|Lotus|Phoenix|Bamboo Garden|Hai Tian|Xiang Jiang|Dong Fang|Nan Shan|Bei Hai|"
    "Chang Cheng|Wan Li|Le Le|Shun Feng|Tong Ren"
)
SURNAMES_ZH = _words(
    "Wang|Li|Zhang|Liu|Chen|Yang|Huang|Zhao|Wu|Zhou|Xu|Sun|Ma|Zhu|Hu|Guo|He|Lin|Gao|Luo|"
    "Zheng|Liang|Xie|Song|Tang|Han|Feng|Deng|Cao|Peng|Zeng|Xiao|Tian|Dong|Pan|Yuan|Cai|Jiang|"
    "Yu|Du"
)
STEMS_AR = _words(
    "Al Noor|Al Rashid|Al Amal|Dar Al Salam|Al Baraka|Al Hamra|Al Andalus|Al Wafa|Al Fajr|"
    "Al Huda|Al Manar|Al Nakheel|Al Sahara|Al Safa|Al Zaytoun|Bab Al Sharq|Nour Al Huda|"
    "Al Madina|Al Khaleej|Al Jazeera|Al Rayan|Al Waha|Al Majd|Al Fayhaa|Al Shams|Al Qamar|"
    "Al Bustan|Al Yasmin|Al Arz|Cedars|Al Dawha|Al Hikma|Al Karama|Al Sharq|Al Mustaqbal|"
    "Al Nada|Al Reem|Al Sultan|Al Sabah|Al Diyafa"
)
SURNAMES_AR = _words(
    "Haddad|Khalil|Nasser|Mansour|Saleh|Hussein|Ibrahim|Rahman|Aziz|Karim|Hamdan|Qasim|"
    "Yousef|Darwish|Farah|Habib|Jaber|Khoury|Salem|Shami|Tahan|Zaki|Bakr|Fares|Ghanem|Hakim|"
    "Issa|Jamal|Mahmoud|Najjar|Obeid|Rashed|Sabbagh|Suleiman|Tamimi|Wahbi|Yassin|Zayed|"
    "Abboud|Awad"
)

# Invented brand words: start + middle + end syllables (Zen + or + a -> Zenora).
COINED_START = _words(
    "Al|Bel|Cor|Dyn|El|Fal|Gen|Hel|In|Jov|Kal|Lum|Max|Nov|Om|Pra|Quin|Ros|Syn|Tec|Ul|Ver|Wex|"
    "Xen|Yor|Zen|Ar|Bri|Cal|Dor"
)
COINED_MIDDLE = _words("a|e|i|o|u|ar|er|or|an|en|in|on|ex|al|il|ur|av|ic|ol|et")
COINED_END = _words("a|ex|ix|on|um|is|o|ia|tek|ora|ica|ant|ent|ava|eon|link|tron|vo|ly|ius")

# Language -> (stems, surnames, sectors, word for "&", name prefixes an entity may carry).
LANGUAGES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], str,
                           tuple[str, ...]]] = {
    "en": (STEMS_EN, SURNAMES_EN, SECTORS_EN, "and", ("The",)),
    "fr": (STEMS_FR, SURNAMES_FR, SECTORS_FR, "et", ("Les Entreprises", "Groupe")),
    "de": (STEMS_DE, SURNAMES_DE, SECTORS_DE, "und", ()),
    "es": (STEMS_ES, SURNAMES_ES, SECTORS_ES, "y", ("Grupo",)),
    "it": (STEMS_IT, SURNAMES_IT, SECTORS_IT, "e", ("Gruppo",)),
    "vi": (STEMS_VI, SURNAMES_VI, SECTORS_EN, "and", ()),
    "zh": (STEMS_ZH, SURNAMES_ZH, SECTORS_EN, "and", ()),
    "ar": (STEMS_AR, SURNAMES_AR, SECTORS_EN, "and", ()),
}

# Legal-form families: the variants one firm's records are written with (suffixes; a variant
# starting with "^" is written before the name instead, as Vietnamese "Cong Ty TNHH").
LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "ltd": ("Ltd", "Ltd.", "Limited"),
    "ltee": ("Ltée", "Ltee", "Limitée", "Ltd"),
    "inc": ("Inc", "Inc.", "Incorporated"),
    "inc_fr": ("Inc.", "inc", "Incorporée"),
    "corp": ("Corp", "Corp.", "Corporation"),
    "llc": ("LLC", "L.L.C.", "Llc"),
    "gmbh": ("GmbH", "G.m.b.H.", "Gmbh"),
    "ag": ("AG", "A.G."),
    "sarl": ("SARL", "S.A.R.L.", "s.a.r.l."),
    "sa": ("S.A.", "SA", "S.A"),
    "sl": ("S.L.", "SL", "Sociedad Limitada"),
    "srl": ("S.r.l.", "SRL", "Srl"),
    "spa": ("S.p.A.", "SpA", "SPA"),
    "coltd": ("Co., Ltd.", "Co. Ltd", "Company Limited", "Co Ltd"),
    "coltd_vi": ("Co., Ltd.", "Co. Ltd", "Company Limited", "^Cong Ty TNHH"),
    "none": ("",),
}
# Language -> (family, probability) for an entity's legal form.
FORM_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    "en": (("ltd", 0.35), ("inc", 0.3), ("corp", 0.15), ("llc", 0.05), ("none", 0.15)),
    "fr": (("ltee", 0.4), ("inc_fr", 0.35), ("sarl", 0.1), ("none", 0.15)),
    "de": (("gmbh", 0.6), ("ag", 0.2), ("none", 0.2)),
    "es": (("sa", 0.4), ("sl", 0.4), ("none", 0.2)),
    "it": (("srl", 0.5), ("spa", 0.3), ("none", 0.2)),
    "vi": (("coltd_vi", 0.6), ("ltd", 0.2), ("none", 0.2)),
    "zh": (("coltd", 0.5), ("ltd", 0.2), ("inc", 0.15), ("none", 0.15)),
    "ar": (("llc", 0.4), ("ltd", 0.3), ("inc", 0.15), ("none", 0.15)),
}

# Full word -> short forms a clerk writes instead (each applied on its own, by chance).
ABBREVIATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (" International", (" Intl", " Int'l", " Intl.")),
    (" Manufacturing", (" Mfg", " Mfg.")),
    (" Company", (" Co", " Co.")),
    (" Brothers", (" Bros", " Bros.")),
    (" Services", (" Svcs",)),
    (" Technologies", (" Tech",)),
    (" Construction", (" Constr",)),
    (" Associates", (" Assoc",)),
    (" Distribution", (" Dist",)),
    (" Import Export", (" Imp-Exp", " Import-Export")),
    (" Trading", (" Trdg",)),
    (" Hermanos", (" Hnos",)),
    (" Fratelli", (" F.lli",)),
    ("Les Entreprises", ("Ent.", "Entreprises")),
    ("Saint-", ("St-", "St ")),
    ("Sainte-", ("Ste-",)),
    ("Saint ", ("St ", "St. ")),
    (" & ", (" and ",)),  # replaced by the language's own word at run time
)

STREETS = _words(
    "Main|King|Queen|Yonge|Bloor|Dundas|Wellington|Victoria|Church|Mill|Maple|Oak|Cedar|Elm|"
    "Pine|Birch|Lakeshore|Bank|Rideau|Elgin|Somerset|Portage|Jasper|Granville|Robson|Hastings|"
    "Barrington|Spring Garden|Sherbrooke|Notre-Dame|Saint-Denis|Saint-Laurent|Saint-Jean|"
    "Sainte-Catherine|Saint-Paul|Papineau|Laurier|Champlain|Cartier|Frontenac|Côte-des-Neiges|"
    "Bathurst|Spadina|Kingston|Richmond|Adelaide|Front|Water|Market|Centre|Park|Ridge|Hill|"
    "Lake|River|Forest|Meadow|College|University|Station|Harbour|Commerce|Industrial|"
    "Airport|Highland|Sunset|Riverside|Fairview|Glenview|Brookside|Westmount|Eastview|"
    "Northfield|Southgate|Pleasant|Prospect|Union|Albert|Edward|George|William|Charlotte|"
    "Duke|Prince|Princess|Argyle|Hollis|Gottingen|Agricola|Quinpool|Cunard|Inglis|Tower|"
    "Dufferin|Keele|Jane|Finch|Steeles|Sheppard|Eglinton|Lawrence|Danforth|Broadview|Gerrard"
)
# Street-type family -> (English variants, French variant written before the name or "").
STREET_TYPES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("Street", "St", "St.", "Str."), "rue"),
    (("Avenue", "Ave", "Ave.", "Av."), "avenue"),
    (("Road", "Rd", "Rd."), "chemin"),
    (("Boulevard", "Blvd", "Blvd.", "Bd"), "boul."),
    (("Drive", "Dr", "Dr."), ""),
    (("Lane", "Ln", "Ln."), ""),
    (("Crescent", "Cres", "Cr."), ""),
    (("Place", "Pl", "Pl."), "place"),
    (("Way",), ""),
)
STREET_TYPE_WEIGHTS = (0.38, 0.18, 0.14, 0.07, 0.09, 0.04, 0.04, 0.03, 0.03)

# City, province's postal letter, area codes. Weighted by rank (larger first).
CITIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Toronto", "M", ("416", "647")), ("Montréal", "H", ("514", "438")),
    ("Vancouver", "V", ("604", "778")), ("Calgary", "T", ("403", "587")),
    ("Edmonton", "T", ("780", "587")), ("Ottawa", "K", ("613", "343")),
    ("Winnipeg", "R", ("204", "431")), ("Québec", "G", ("418", "581")),
    ("Mississauga", "L", ("905", "289")), ("Hamilton", "L", ("905", "289")),
    ("Brampton", "L", ("905", "289")), ("Surrey", "V", ("604", "778")),
    ("Laval", "H", ("450", "579")), ("Halifax", "B", ("902", "782")),
    ("London", "N", ("519", "226")), ("Markham", "L", ("905", "289")),
    ("Gatineau", "J", ("819", "873")), ("Longueuil", "J", ("450", "579")),
    ("Kitchener", "N", ("519", "226")), ("Burnaby", "V", ("604", "778")),
    ("Windsor", "N", ("519", "226")), ("Saskatoon", "S", ("306", "639")),
    ("Regina", "S", ("306", "639")), ("Richmond", "V", ("604", "778")),
    ("Sherbrooke", "J", ("819", "873")), ("St. John's", "A", ("709",)),
    ("Kingston", "K", ("613", "343")), ("Lévis", "G", ("418", "581")),
    ("Trois-Rivières", "G", ("819", "873")), ("Kelowna", "V", ("250", "778")),
    ("Saguenay", "G", ("418", "581")), ("Sudbury", "P", ("705", "249")),
    ("Saint John", "E", ("506",)), ("Moncton", "E", ("506",)),
    ("Thunder Bay", "P", ("807",)), ("Victoria", "V", ("250", "778")),
    ("Fredericton", "E", ("506",)), ("Charlottetown", "C", ("902", "782")),
    ("Whitehorse", "Y", ("867",)), ("Yellowknife", "X", ("867",)),
)
FRENCH_PROVINCE_LETTERS = "HGJ"  # Quebec: addresses mostly written the French way
POSTAL_LETTERS = "ABCEGHJKLMNPRSTVWXYZ"
UNIT_WORDS = ("Suite", "Unit", "#", "Bureau", "Ste")
