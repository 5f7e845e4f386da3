"""The demo catalog's vocabulary: product types, the category tree, brands, words for names,
descriptions and reviews (apps/demo/catalog.py builds products from it).

Coherent by construction: each leaf category names the product type its products belong to
and may narrow that type's attributes (a lens has a mount, a tripod a maximum load); every
sentence of a description is written from one attribute (ATTRIBUTES), so the text says what
the attributes say and nothing else; a name's qualifier comes from an attribute too
(QUALIFIERS), never a word that could contradict one. Fictional brands; EUR price ranges.
"""

# Data tables, kept one entry a line for reading (the formatter would make them 1,000 lines).
# fmt: off

COLOURS = ("Black", "White", "Navy", "Grey", "Olive", "Burgundy", "Sand", "Sky Blue")

# key: (label, unit, sentence). The label and unit are what the product page shows (they
# become the product type's attribute definitions); the sentence goes into the description.
# A sentence is a format string over the attribute's value, or for a yes/no attribute a pair
# (sentence when true, sentence when false; "" for none).
ATTRIBUTES = {
    "fabric": ("Fabric", "", "It is made of {value}."),
    "fit": ("Fit", "", "The cut is a {value} fit."),
    "care": ("Care", "", "Care: {value}."),
    "made_in": ("Made in", "", "Made in {value}."),
    "upper": ("Upper", "", "The upper is {value}."),
    "sole": ("Sole", "", "It sits on a {value} sole."),
    "width": ("Width", "", "It comes in a {value} width."),
    "waterproof": ("Waterproof", "", ("It is waterproof, for wet days.", "")),
    "display_inches": ("Display", "in", "The display measures {value} inches."),
    "battery_hours": ("Battery life", "h", "The battery lasts up to {value} hours."),
    "warranty_years": ("Warranty", "years", "It comes with a {value}-year warranty."),
    "connectivity": ("Connectivity", "", "It connects over {value}."),
    "water_resistance": ("Water resistance", "", "It is rated {value} against splashes and dust."),
    "compatible_with": ("Compatible with", "", "It works with {value}."),
    "material": ("Material", "", "It is made of {value}."),
    "output_watts": ("Output", "W", "It charges at up to {value} watts."),
    "sensor": ("Sensor", "", "It has a {value} sensor."),
    "video": ("Video", "", "It records video in {value}."),
    "mount": ("Mount", "", "It fits the {value} mount."),
    "max_load_kg": ("Maximum load", "kg", "It holds up to {value} kg."),
    "finish": ("Finish", "", "It has a {value} finish."),
    "dimensions_cm": ("Dimensions", "cm", "It measures {value} cm."),
    "assembly": ("Assembly", "", "It {value}."),
    "technology": ("Technology", "", "Its fabric is {value}."),
    "reflective": ("Reflective details", "", ("Reflective details keep you seen after dark.", "")),
    "season": ("Season", "", "It is made for {value} use."),
    "capacity_litres": ("Capacity", "l", "It holds {value} litres."),
    "weight_kg": ("Weight", "kg", "It weighs {value} kg."),
    "lumens": ("Brightness", "lm", "It shines with up to {value} lumens."),
    "certification": ("Safety standard", "", "It is certified to {value}."),
    "key_ingredient": ("Key ingredient", "", "Its key ingredient is {value}."),
    "skin_type": ("Skin type", "", "It suits {value} skin."),
    "hair_type": ("Hair type", "", "It suits {value} hair."),
    "scent_family": ("Scent family", "", "Its scent is {value}."),
    "burn_hours": ("Burn time", "h", "It burns for about {value} hours."),
    "vegan": ("Vegan", "", ("The formula is vegan.", "")),
}

# Each product type: options [(option, [(value, price factor)])], attributes {key: choices} (a leaf may
# narrow them), the opening sentence, selling points that fit every product of the type,
# brands, tags, variant weights in grams and the pictogram of its picture (pictograms.py).
TYPES = {
    "Clothing": {
        "options": [("Size", [(s, 1.0) for s in ("S", "M", "L", "XL")]), ("Colour", [(c, 1.0) for c in COLOURS])],
        "attributes": {"fabric": ["organic cotton", "linen", "merino wool", "recycled polyester", "a cotton-linen blend"], "fit": ["slim", "regular", "relaxed"], "care": ["machine wash at 30 °C", "machine wash at 40 °C", "hand wash"], "made_in": ["Portugal", "Italy", "Turkey", "India"]},
        "lead": "The {noun} from {brand} is made for easy everyday wear.",
        "points": ["Pairs well with the rest of the collection.", "Free returns within 30 days."],
        "brands": ["Fjellstad", "Marlowe & Finch", "Northbound", "Aster Lane", "Kestrel", "Oakhaven"],
        "tags": ["casual", "everyday", "layering", "wardrobe-staple"],
        "weights": (120, 900), "pictogram": "shirt",
    },
    "Shoes": {
        "options": [("EU Size", [(str(s), 1.0) for s in range(38, 47)]), ("Colour", [(c, 1.0) for c in ("Black", "White", "Brown", "Tan", "Navy", "Grey")])],
        "attributes": {"upper": ["leather", "suede", "mesh", "canvas", "knit"], "sole": ["rubber", "EVA foam", "lugged rubber"], "width": ["regular", "wide"], "waterproof": [True, False]},
        "lead": "The {brand} {noun} is built for comfort all day long.",
        "points": ["A cushioned insole you can take out.", "Free returns within 30 days."],
        "brands": ["Stride Society", "Cobble & Last", "Veloce", "Ridgeline", "Pacer Lab", "Harlow"],
        "tags": ["comfort", "walking", "everyday"],
        "weights": (400, 1400), "pictogram": "shoe",
    },
    "Phones": {
        "options": [("Storage", [("128 GB", 1.0), ("256 GB", 1.15), ("512 GB", 1.4), ("1 TB", 1.8)]), ("Colour", [(c, 1.0) for c in ("Black", "Silver", "Space Grey", "Midnight Blue", "White")])],
        "attributes": {"display_inches": [6.1, 6.3, 6.7, 6.9], "battery_hours": [20, 24, 29, 33], "connectivity": ["5G and Wi-Fi 6E", "5G and Wi-Fi 7"], "warranty_years": [1, 2, 3]},
        "lead": "The {noun} from {brand} keeps up with your day.",
        "points": ["Set up in minutes: your data moves over from your old phone.", "Security updates for at least five years."],
        "brands": ["Voltra", "Nexalink", "Lumio", "Quantix", "Pixelon"],
        "tags": ["5g", "fast-charging", "oled"],
        "weights": (150, 240), "pictogram": "phone", "series": True,
    },
    "Computers": {
        "options": [("Storage", [("256 GB", 1.0), ("512 GB", 1.15), ("1 TB", 1.4), ("2 TB", 1.8)]), ("Colour", [(c, 1.0) for c in ("Silver", "Space Grey", "Midnight Blue")])],
        "attributes": {"display_inches": [11.0, 12.9, 13.3, 14.0, 15.6, 16.0], "battery_hours": [10, 12, 15, 18, 22], "connectivity": ["Wi-Fi 6E and Bluetooth 5.3", "Wi-Fi 7 and Bluetooth 5.4"], "warranty_years": [1, 2, 3]},
        "lead": "The {noun} from {brand} is made for work and play.",
        "points": ["Charges over USB-C.", "A backlit keyboard or pen support, depending on the model."],
        "brands": ["Voltra", "Nexalink", "Quantix", "Corvid", "Helix"],
        "tags": ["usb-c", "portable", "productivity"],
        "weights": (450, 2500), "pictogram": "laptop", "series": True,
    },
    "Audio": {
        "options": [("Colour", [(c, 1.0) for c in ("Black", "White", "Silver", "Blue", "Red", "Green")])],
        "attributes": {"connectivity": ["Bluetooth 5.3", "Bluetooth 5.4"], "battery_hours": [8, 12, 20, 30, 40], "water_resistance": ["IPX4", "IPX5", "IP67"], "warranty_years": [1, 2, 3]},
        "lead": "The {brand} {noun} brings clear, rich sound wherever you are.",
        "points": ["Pairs with two devices at once.", "Charges over USB-C."],
        "brands": ["Aurel Audio", "Sonora", "Voltra", "Lumio"],
        "tags": ["wireless", "bluetooth", "music"],
        "weights": (30, 1200), "pictogram": "headphones",
    },
    "Phone Accessories": {
        "options": [("Colour", [(c, 1.0) for c in ("Black", "White", "Blue", "Red", "Green", "Clear")])],
        "attributes": {"compatible_with": ["iPhone 15 and 16", "Galaxy S24 and S25", "Pixel 8 and 9"], "material": ["silicone", "leather", "recycled plastic"], "warranty_years": [1, 2]},
        "lead": "The {noun} by {brand} is a small thing that makes a phone better.",
        "points": ["Tested with every model it lists.", "Free returns within 30 days."],
        "brands": ["Nexalink", "Corvid", "Keyforge", "Lumio"],
        "tags": ["everyday", "travel", "gift"],
        "weights": (30, 400), "pictogram": "plug",
    },
    "Computer Accessories": {
        "options": [("Colour", [(c, 1.0) for c in ("Black", "White", "Silver", "Grey")])],
        "attributes": {"connectivity": ["Bluetooth 5.3", "USB-C", "a 2.4 GHz wireless receiver"], "compatible_with": ["Windows and macOS", "Windows, macOS and Linux"], "warranty_years": [1, 2, 3]},
        "lead": "The {brand} {noun} makes your desk a better place to work.",
        "points": ["Works out of the box, no drivers needed.", "Free returns within 30 days."],
        "brands": ["Keyforge", "Corvid", "Quantix", "Helix"],
        "tags": ["ergonomic", "desk", "productivity"],
        "weights": (60, 6000), "pictogram": "keyboard",
    },
    "Cameras": {
        "options": [("Colour", [(c, 1.0) for c in ("Black", "Silver")]), ("Bundle", [("Camera only", 1.0), ("With 128 GB card", 1.05)])],
        "attributes": {"sensor": ["full-frame", "APS-C", "1-inch"], "video": ["4K at 60 fps", "4K at 30 fps", "6K at 30 fps"], "warranty_years": [1, 2, 3]},
        "lead": "The {noun} from {brand} is ready whenever the moment is.",
        "points": ["Shoots RAW and JPEG.", "Transfers photos to your phone over Wi-Fi."],
        "brands": ["Pixelon", "Orbitek", "Lumio"],
        "tags": ["photography", "video", "travel"],
        "weights": (120, 900), "pictogram": "camera",
    },
    "Camera Gear": {
        "options": [("Colour", [(c, 1.0) for c in ("Black", "Silver", "Graphite")])],
        "attributes": {"mount": ["Sony E", "Canon RF", "Nikon Z", "Fujifilm X"], "material": ["aluminium", "carbon fibre"], "warranty_years": [1, 2, 3]},
        "lead": "The {brand} {noun} takes your photography further.",
        "points": ["Ships in a padded pouch.", "Free returns within 30 days."],
        "brands": ["Pixelon", "Orbitek", "Vista Optics"],
        "tags": ["photography", "travel"],
        "weights": (150, 1800), "pictogram": "lens",
    },
    "Kitchen": {
        "options": [("Colour", [(c, 1.0) for c in ("Natural", "White", "Charcoal", "Sage", "Terracotta")])],
        "attributes": {"material": ["stainless steel", "stoneware", "glass"], "care": ["dishwasher safe", "hand wash"], "made_in": ["Denmark", "Portugal", "Japan", "Germany"]},
        "lead": "The {noun} from {brand} is made to be used every day.",
        "points": ["Checked by hand before it leaves the workshop.", "Packed in recycled, plastic-free packaging."],
        "brands": ["Hearth & Oak", "Kiln Studio", "Alder House", "Terra Casa"],
        "tags": ["kitchen", "cooking", "gift"],
        "weights": (200, 4000), "pictogram": "pan",
    },
    "Furniture": {
        "options": [("Wood", [("Oak", 1.2), ("Walnut", 1.35), ("Ash", 1.1), ("Pine", 1.0)]), ("Colour", [(c, 1.0) for c in ("Natural", "White", "Charcoal")])],
        "attributes": {"finish": ["oiled", "lacquered", "natural", "waxed"], "dimensions_cm": ["45 x 50 x 80"], "assembly": ["comes fully assembled", "takes about 20 minutes to assemble"], "made_in": ["Denmark", "Poland", "Sweden", "Portugal"]},
        "lead": "The {noun} from {brand} is built to last for years.",
        "points": ["Solid wood from responsibly managed forests.", "Delivered to your door, free of charge."],
        "brands": ["Nordhem", "Alder House", "Maison Brune", "Stillwater"],
        "tags": ["scandinavian", "solid-wood", "minimalist"],
        "weights": (3000, 40000), "pictogram": "chair",
    },
    "Home Textiles": {
        "options": [("Colour", [(c, 1.0) for c in ("White", "Natural", "Sage", "Charcoal", "Terracotta", "Ochre")])],
        "attributes": {"material": ["linen", "organic cotton", "cotton percale", "waffle cotton"], "dimensions_cm": ["140 x 200"], "care": ["machine wash at 40 °C", "machine wash at 60 °C"], "made_in": ["Portugal", "Lithuania", "India"]},
        "lead": "The {noun} from {brand} makes a home feel softer.",
        "points": ["Pre-washed, so it is soft from the first day.", "OEKO-TEX certified."],
        "brands": ["Linden Loom", "Nordhem", "Stillwater", "Maison Brune"],
        "tags": ["home", "soft-furnishings", "gift"],
        "weights": (200, 2500), "pictogram": "towel",
    },
    "Decor": {
        "options": [("Colour", [(c, 1.0) for c in ("Natural", "White", "Charcoal", "Sage", "Terracotta", "Ochre")])],
        "attributes": {"material": ["ceramic", "brass", "rattan"], "dimensions_cm": ["30 x 30 x 45"], "made_in": ["Portugal", "Denmark", "Vietnam"]},
        "lead": "The {noun} from {brand} brings warmth to any room.",
        "points": ["Each piece is slightly different: they are made by hand.", "Packed in recycled, plastic-free packaging."],
        "brands": ["Kiln Studio", "Terra Casa", "Maison Brune", "Hearth & Oak"],
        "tags": ["handmade", "living-room", "gift"],
        "weights": (200, 9000), "pictogram": "lamp",
    },
    "Sportswear": {
        "options": [("Size", [(s, 1.0) for s in ("XS", "S", "M", "L", "XL")]), ("Colour", [(c, 1.0) for c in ("Black", "Neon Yellow", "Red", "Royal Blue", "Forest Green", "Orange")])],
        "attributes": {"technology": ["quick-dry", "windproof", "waterproof", "breathable mesh", "thermal"], "fit": ["athletic", "regular", "relaxed"], "reflective": [True, False]},
        "lead": "The {noun} from {brand} keeps you going, mile after mile.",
        "points": ["Flat seams that do not rub.", "A zipped pocket for keys."],
        "brands": ["Summitline", "Peakform", "Aerofit", "Velo Nord", "Kinetic"],
        "tags": ["running", "training", "cycling"],
        "weights": (80, 600), "pictogram": "running",
    },
    "Outdoor Gear": {
        "options": [("Colour", [(c, 1.0) for c in ("Forest Green", "Orange", "Grey", "Sand", "Royal Blue")])],
        "attributes": {"material": ["ripstop nylon", "recycled polyester"], "season": ["3-season", "4-season"], "water_resistance": ["IPX4"]},
        "lead": "The {noun} from {brand} is ready for the next trip outdoors.",
        "points": ["Repairable: spare parts are available for years.", "Tested in the mountains before it goes on sale."],
        "brands": ["Trailhead", "Basecamp", "Stormrider", "Summitline"],
        "tags": ["hiking", "camping", "outdoor"],
        "weights": (150, 4000), "pictogram": "tent",
    },
    "Fitness Equipment": {
        "options": [("Colour", [(c, 1.0) for c in ("Black", "Grey", "Sage", "Royal Blue", "Orange")])],
        "attributes": {"material": ["natural rubber", "cork", "TPE foam"], "warranty_years": [1, 2]},
        "lead": "The {noun} from {brand} helps you train at home or at the gym.",
        "points": ["Easy to wipe clean after a session.", "Free returns within 30 days."],
        "brands": ["Peakform", "Kinetic", "Aerofit"],
        "tags": ["training", "home-gym", "fitness"],
        "weights": (100, 20000), "pictogram": "dumbbell",
    },
    "Skincare": {
        "options": [("Volume", [("30 ml", 1.0), ("50 ml", 1.5), ("100 ml", 2.4), ("200 ml", 3.8)])],
        "attributes": {"key_ingredient": ["hyaluronic acid", "vitamin C", "niacinamide", "shea butter", "aloe vera"], "skin_type": ["all", "dry", "oily", "sensitive", "combination"], "vegan": [True, False]},
        "lead": "{brand}'s {noun} is a gentle step in your daily routine.",
        "points": ["Dermatologically tested.", "In a recyclable bottle."],
        "brands": ["Botanica Pure", "Lumiere Skin", "Verdant", "Oriel", "Maren"],
        "tags": ["skincare", "daily", "cruelty-free"],
        "weights": (40, 600), "pictogram": "bottle",
    },
    "Hair & Body": {
        "options": [("Volume", [("100 ml", 1.0), ("250 ml", 1.6), ("500 ml", 2.6)]), ("Scent", [(s, 1.0) for s in ("Unscented", "Lavender", "Citrus", "Rose", "Sandalwood", "Eucalyptus")])],
        "attributes": {"key_ingredient": ["argan oil", "oat extract", "coconut oil", "shea butter"], "vegan": [True, False]},
        "lead": "{brand}'s {noun} turns an everyday routine into a small treat.",
        "points": ["Dermatologically tested.", "In a recyclable bottle."],
        "brands": ["Saltwater Apothecary", "Sol & Sage", "Fennel & Fig", "Verdant"],
        "tags": ["haircare", "bodycare", "cruelty-free"],
        "weights": (100, 600), "pictogram": "bottle",
    },
    "Fragrance": {
        "options": [("Volume", [("30 ml", 1.0), ("50 ml", 1.5), ("100 ml", 2.3)])],
        "attributes": {"scent_family": ["floral", "woody", "citrus", "fresh and green", "warm and spicy"]},
        "lead": "{brand}'s {noun} is a scent to remember.",
        "points": ["Comes in a gift box.", "Made in France."],
        "brands": ["Oriel", "Maren", "Lumiere Skin", "Sol & Sage"],
        "tags": ["fragrance", "gift"],
        "weights": (80, 450), "pictogram": "perfume",
    },
    "Candles": {
        "options": [("Scent", [(s, 1.0) for s in ("Fig", "Cedar", "Lavender", "Citrus", "Sea Salt")]), ("Size", [("Small", 1.0), ("Large", 1.8)])],
        "attributes": {"burn_hours": [25, 40, 60], "material": ["soy wax", "rapeseed wax"], "made_in": ["England", "Portugal", "Denmark"]},
        "lead": "{brand}'s {noun} fills a room with a calm, even glow.",
        "points": ["Hand-poured in small batches.", "A cotton wick, trimmed and ready."],
        "brands": ["Fennel & Fig", "Saltwater Apothecary", "Kiln Studio"],
        "tags": ["home-fragrance", "cosy", "gift"],
        "weights": (150, 900), "pictogram": "candle",
    },
}

# (root, SKU prefix, [(child, featured, [(leaf, nouns, low, high, type, narrowed attributes)])])
TREE = [
    ("Clothing", "CLO", [
        ("Men", True, [
            ("T-Shirts", "T-Shirt|Crew-Neck Tee|Henley|Polo Shirt", 12, 45, "Clothing", {}),
            ("Shirts", "Oxford Shirt|Button-Down Shirt|Overshirt|Camp-Collar Shirt", 25, 90, "Clothing", {}),
            ("Trousers", "Chinos|Cargo Trousers|Pleated Trousers|Drawstring Trousers", 35, 120, "Clothing", {}),
            ("Jackets", "Bomber Jacket|Field Jacket|Harrington Jacket|Work Jacket", 60, 260, "Clothing", {"fabric": ["organic cotton", "recycled polyester", "merino wool"]}),
        ]),
        ("Women", True, [
            ("Dresses", "Wrap Dress|Midi Dress|Shirt Dress|Maxi Dress", 30, 150, "Clothing", {}),
            ("Tops", "Blouse|Tank Top|Cardigan|Sweater", 18, 80, "Clothing", {}),
            ("Skirts", "Pleated Skirt|Wrap Skirt|Midi Skirt|A-Line Skirt", 25, 90, "Clothing", {}),
            ("Coats", "Trench Coat|Overcoat|Car Coat|Quilted Jacket", 80, 320, "Clothing", {"fabric": ["merino wool", "organic cotton", "recycled polyester"]}),
        ]),
        ("Kids", False, [
            ("Hoodies", "Zip Hoodie|Pullover Hoodie|Sweatshirt", 15, 50, "Clothing", {"fabric": ["organic cotton", "recycled polyester"], "fit": ["regular", "relaxed"]}),
            ("Pyjamas", "Pyjama Set|Nightshirt|Onesie|Lounge Pants", 12, 40, "Clothing", {"fabric": ["organic cotton"], "fit": ["regular", "relaxed"]}),
            ("Rainwear", "Rain Jacket|Rain Trousers|Puddle Suit|Rain Poncho", 18, 70, "Sportswear", {"technology": ["waterproof"], "reflective": [True]}),
            ("School Wear", "Polo Shirt|School Trousers|Cardigan|Pinafore Dress", 10, 45, "Clothing", {"fabric": ["organic cotton", "recycled polyester"], "fit": ["regular"]}),
        ]),
        ("Underwear & Socks", False, [
            ("Socks", "Crew Socks|Ankle Socks|Hiking Socks|Sports Socks", 5, 25, "Clothing", {"fabric": ["organic cotton", "merino wool"], "fit": ["regular"]}),
            ("Boxers", "Boxer Briefs|Trunks|Briefs|Boxer Shorts", 10, 35, "Clothing", {"fabric": ["organic cotton"], "fit": ["regular", "slim"]}),
            ("Lingerie", "Bralette|T-Shirt Bra|Briefs|Slip", 15, 60, "Clothing", {"fabric": ["organic cotton", "recycled polyester"], "fit": ["regular"], "care": ["hand wash"]}),
            ("Thermals", "Base Layer Top|Thermal Leggings|Long Sleeve Top|Thermal Vest", 20, 80, "Clothing", {"fabric": ["merino wool"], "fit": ["slim"]}),
        ]),
    ]),
    ("Shoes", "SHO", [
        ("Sneakers", True, [
            ("Running Shoes", "Running Shoe|Road Runner|Trainer|Racing Flat", 60, 180, "Shoes", {"upper": ["mesh", "knit"], "sole": ["EVA foam"]}),
            ("Court Sneakers", "Court Sneaker|Low-Top Sneaker|High-Top Sneaker|Cupsole Sneaker", 50, 160, "Shoes", {"upper": ["leather", "suede", "canvas"], "sole": ["rubber"]}),
            ("Skate Shoes", "Skate Shoe|Vulc Sneaker|Mid-Top Skate Shoe", 45, 100, "Shoes", {"upper": ["suede", "canvas"], "sole": ["rubber"]}),
            ("Slip-Ons", "Slip-On|Loafer Sneaker|Laceless Sneaker", 40, 110, "Shoes", {"upper": ["canvas", "knit", "leather"], "sole": ["rubber"]}),
        ]),
        ("Boots", False, [
            ("Chelsea Boots", "Chelsea Boot|Platform Chelsea Boot|Pull-On Boot", 90, 240, "Shoes", {"upper": ["leather", "suede"], "sole": ["rubber", "lugged rubber"]}),
            ("Hiking Boots", "Hiking Boot|Trekking Boot|Approach Shoe|Mountain Boot", 90, 260, "Shoes", {"upper": ["leather", "suede", "mesh"], "sole": ["lugged rubber"]}),
            ("Ankle Boots", "Ankle Boot|Lace-Up Boot|Zip Boot|Block-Heel Boot", 70, 220, "Shoes", {"upper": ["leather", "suede"], "sole": ["rubber"]}),
            ("Desert Boots", "Desert Boot|Chukka Boot|Work Boot", 60, 180, "Shoes", {"upper": ["leather", "suede"], "sole": ["rubber", "lugged rubber"]}),
        ]),
        ("Formal Shoes", False, [
            ("Oxfords", "Oxford Shoe|Brogue|Cap-Toe Oxford|Wholecut Oxford", 90, 320, "Shoes", {"upper": ["leather"], "sole": ["rubber"], "waterproof": [False]}),
            ("Loafers", "Penny Loafer|Tassel Loafer|Horsebit Loafer|Driving Loafer", 80, 260, "Shoes", {"upper": ["leather", "suede"], "sole": ["rubber"], "waterproof": [False]}),
            ("Derbies", "Derby Shoe|Plain-Toe Derby|Wingtip Derby|Monk Strap", 85, 280, "Shoes", {"upper": ["leather"], "sole": ["rubber"], "waterproof": [False]}),
            ("Heels", "Pump|Slingback|Mary Jane|Kitten Heel", 60, 240, "Shoes", {"upper": ["leather", "suede"], "sole": ["rubber"], "waterproof": [False]}),
        ]),
        ("Sandals & Slippers", False, [
            ("Flip-Flops", "Flip-Flop|Toe-Post Sandal|Pool Slide|Beach Sandal", 10, 45, "Shoes", {"upper": ["rubber straps"], "sole": ["EVA foam"], "waterproof": [True]}),
            ("Sport Sandals", "Sport Sandal|Hiking Sandal|Strap Sandal|Trail Sandal", 35, 110, "Shoes", {"upper": ["webbing straps"], "sole": ["lugged rubber"], "waterproof": [True]}),
            ("Slippers", "Slipper|Moccasin Slipper|Mule Slipper", 20, 80, "Shoes", {"upper": ["suede", "knit"], "sole": ["rubber"], "waterproof": [False]}),
            ("Espadrilles", "Espadrille|Wedge Espadrille|Slip-On Espadrille", 25, 90, "Shoes", {"upper": ["canvas"], "sole": ["jute"], "waterproof": [False]}),
        ]),
    ]),
    ("Electronics", "ELE", [
        ("Phones & Tablets", True, [
            ("Smartphones", "Smartphone", 199, 1399, "Phones", {}),
            ("Tablets", "Tablet|Tablet Pro|Tablet Air", 129, 1199, "Computers", {"display_inches": [11.0, 12.9]}),
            ("Phone Cases", "Phone Case|Folio Case|Clear Case|Rugged Case", 9, 59, "Phone Accessories", {}),
            ("Chargers", "USB-C Charger|Wireless Charger|Power Bank|Car Charger", 12, 89, "Phone Accessories", {"material": ["recycled plastic", "aluminium"]}),
        ]),
        ("Computers", False, [
            ("Laptops", "Laptop|Ultrabook|Gaming Laptop|2-in-1 Laptop", 499, 2799, "Computers", {"display_inches": [13.3, 14.0, 15.6, 16.0]}),
            ("Monitors", "27-inch Monitor|4K Monitor|Ultrawide Monitor|Portable Monitor", 129, 899, "Computer Accessories", {"connectivity": ["HDMI and DisplayPort", "USB-C and HDMI"]}),
            ("Keyboards", "Mechanical Keyboard|Wireless Keyboard|Compact Keyboard", 29, 219, "Computer Accessories", {}),
            ("Mice", "Wireless Mouse|Gaming Mouse|Vertical Mouse|Trackball", 15, 129, "Computer Accessories", {}),
        ]),
        ("Audio", True, [
            ("Headphones", "Over-Ear Headphones|On-Ear Headphones|Travel Headphones", 39, 449, "Audio", {"water_resistance": ["IPX4"]}),
            ("Earbuds", "True Wireless Earbuds|Sport Earbuds|Noise-Cancelling Earbuds", 29, 299, "Audio", {"battery_hours": [6, 8, 10]}),
            ("Speakers", "Bluetooth Speaker|Portable Speaker|Party Speaker|Mini Speaker", 35, 699, "Audio", {}),
            ("Headsets", "Gaming Headset|Office Headset|Bluetooth Headset", 29, 249, "Audio", {"water_resistance": ["IPX4"]}),
        ]),
        ("Cameras", False, [
            ("Mirrorless Cameras", "Mirrorless Camera|Compact Camera|Full-Frame Camera", 399, 2999, "Cameras", {}),
            ("Action Cameras", "Action Camera|360 Camera|Helmet Camera", 99, 549, "Cameras", {"sensor": ["1-inch", "1/1.3-inch"]}),
            ("Lenses", "Prime Lens|Zoom Lens|Macro Lens|Wide-Angle Lens", 149, 1499, "Camera Gear", {"material": ["aluminium"]}),
            ("Tripods", "Travel Tripod|Carbon Tripod|Tabletop Tripod|Monopod", 19, 349, "Camera Gear", {"mount": ["Arca-Swiss"], "max_load_kg": [3, 8, 12]}),
        ]),
    ]),
    ("Home & Kitchen", "HOM", [
        ("Kitchen", True, [
            ("Cookware", "Frying Pan|Saucepan|Casserole Dish|Wok", 19, 189, "Kitchen", {"material": ["stainless steel", "cast iron", "carbon steel"], "care": ["hand wash", "dishwasher safe"]}),
            ("Knives", "Chef's Knife|Santoku Knife|Bread Knife|Paring Knife", 15, 249, "Kitchen", {"material": ["Japanese steel", "German steel"], "care": ["hand wash"]}),
            ("Tableware", "Dinner Plate Set|Bowl Set|Mug|Serving Platter", 9, 120, "Kitchen", {"material": ["stoneware", "porcelain"], "care": ["dishwasher safe"]}),
            ("Food Storage", "Storage Jar|Lunch Box|Spice Jar Set|Bread Bin", 8, 60, "Kitchen", {"material": ["glass", "stainless steel", "bamboo"]}),
        ]),
        ("Furniture", False, [
            ("Chairs", "Dining Chair|Armchair|Bar Stool|Lounge Chair", 49, 699, "Furniture", {"dimensions_cm": ["45 x 50 x 80", "70 x 75 x 85"]}),
            ("Tables", "Coffee Table|Side Table|Dining Table|Console Table", 59, 1299, "Furniture", {"dimensions_cm": ["120 x 60 x 45", "45 x 45 x 55", "180 x 90 x 75"]}),
            ("Shelving", "Bookcase|Wall Shelf|Ladder Shelf|Cube Storage", 29, 499, "Furniture", {"dimensions_cm": ["80 x 30 x 180", "60 x 20 x 20"]}),
            ("Beds", "Bed Frame|Headboard|Daybed|Bunk Bed", 149, 1499, "Furniture", {"dimensions_cm": ["160 x 200", "140 x 200", "90 x 200"]}),
        ]),
        ("Bedding & Bath", False, [
            ("Duvet Covers", "Duvet Cover|Duvet Cover Set|Quilt Cover", 29, 149, "Home Textiles", {"dimensions_cm": ["140 x 200", "200 x 200", "240 x 220"]}),
            ("Pillows", "Pillowcase Pair|Cushion Cover|Bolster Cover", 12, 79, "Home Textiles", {"dimensions_cm": ["50 x 75", "65 x 65"]}),
            ("Towels", "Bath Towel|Hand Towel|Towel Set|Beach Towel", 9, 89, "Home Textiles", {"material": ["organic cotton", "waffle cotton", "linen"], "dimensions_cm": ["70 x 140", "50 x 100", "100 x 180"]}),
            ("Bath Mats", "Bath Mat|Bath Rug|Shower Mat", 12, 59, "Home Textiles", {"material": ["organic cotton", "waffle cotton"], "dimensions_cm": ["50 x 80", "60 x 90"]}),
        ]),
        ("Decor", True, [
            ("Lamps", "Table Lamp|Floor Lamp|Pendant Light|Desk Lamp", 25, 349, "Decor", {"material": ["ceramic", "brass", "rattan"], "dimensions_cm": ["30 x 30 x 45", "40 x 40 x 150"]}),
            ("Vases", "Vase|Bud Vase|Floor Vase|Planter", 12, 129, "Decor", {"material": ["stoneware", "glass", "terracotta"], "dimensions_cm": ["12 x 12 x 25", "20 x 20 x 40"]}),
            ("Cushions", "Cushion|Scatter Cushion|Seat Pad|Chair Pad", 15, 89, "Decor", {"material": ["linen", "velvet", "wool"], "dimensions_cm": ["45 x 45", "50 x 50"]}),
            ("Rugs", "Rug|Runner|Round Rug|Doormat", 19, 599, "Decor", {"material": ["wool", "jute", "cotton"], "dimensions_cm": ["160 x 230", "80 x 250", "60 x 90"]}),
        ]),
    ]),
    ("Sports & Outdoors", "SPO", [
        ("Running", True, [
            ("Running Jackets", "Running Jacket|Wind Shell|Rain Shell|Gilet", 45, 220, "Sportswear", {"technology": ["windproof", "waterproof"]}),
            ("Running Tights", "Running Tights|Half Tights|Compression Tights", 29, 110, "Sportswear", {"technology": ["quick-dry", "thermal"], "fit": ["athletic"]}),
            ("Running Shorts", "Running Shorts|Split Shorts|2-in-1 Shorts", 19, 70, "Sportswear", {"technology": ["quick-dry", "breathable mesh"]}),
            ("Hydration", "Hydration Vest|Running Belt|Soft Flask|Waist Pack", 15, 140, "Outdoor Gear", {"capacity_litres": [1, 1.5, 5], "season": ["all-season"], "water_resistance": []}),
        ]),
        ("Camping", False, [
            ("Tents", "2-Person Tent|4-Person Tent|Ultralight Tent|Tarp Shelter", 79, 699, "Outdoor Gear", {}),
            ("Sleeping Bags", "Sleeping Bag|Down Sleeping Bag|Sleeping Pad|Camp Pillow", 25, 399, "Outdoor Gear", {"water_resistance": []}),
            ("Backpacks", "Hiking Backpack|Daypack|Trekking Pack|Dry Bag", 29, 299, "Outdoor Gear", {"capacity_litres": [20, 30, 45, 65], "season": ["all-season"]}),
            ("Camp Furniture", "Camping Chair|Camp Table|Hammock|Camp Stool", 19, 199, "Outdoor Gear", {"material": ["aluminium and ripstop nylon"], "season": ["all-season"], "max_load_kg": [100, 120, 150], "water_resistance": []}),
        ]),
        ("Cycling", False, [
            ("Jerseys", "Cycling Jersey|Long Sleeve Jersey|Bib Shorts|Cycling Jacket", 39, 189, "Sportswear", {"fit": ["athletic"]}),
            ("Helmets", "Road Helmet|Mountain Bike Helmet|Commuter Helmet", 39, 249, "Outdoor Gear", {"material": ["in-moulded EPS foam"], "certification": ["EN 1078"], "season": ["all-season"], "water_resistance": []}),
            ("Gloves", "Cycling Gloves|Winter Gloves|Mitts", 15, 69, "Sportswear", {"technology": ["windproof", "thermal", "breathable mesh"]}),
            ("Bike Lights", "Front Light|Rear Light|Light Set|Helmet Light", 15, 149, "Outdoor Gear", {"material": ["aluminium"], "lumens": [100, 400, 800, 1200], "battery_hours": [4, 8, 12], "water_resistance": ["IPX4", "IPX6"], "season": ["all-season"]}),
        ]),
        ("Fitness", True, [
            ("Yoga", "Yoga Mat|Yoga Block|Yoga Strap|Travel Yoga Mat", 9, 119, "Fitness Equipment", {}),
            ("Weights", "Dumbbell Set|Kettlebell|Adjustable Dumbbell|Weight Plate", 19, 399, "Fitness Equipment", {"material": ["cast iron", "rubber-coated steel"], "weight_kg": [4, 8, 12, 16, 20]}),
            ("Resistance", "Resistance Band Set|Pull-Up Band|Mini Band|Suspension Trainer", 9, 149, "Fitness Equipment", {"material": ["natural latex", "woven fabric"]}),
            ("Gym Bags", "Gym Bag|Duffel Bag|Sports Backpack|Shoe Bag", 15, 119, "Fitness Equipment", {"material": ["recycled polyester", "canvas"], "capacity_litres": [20, 35, 50]}),
        ]),
    ]),
    ("Beauty & Health", "BEA", [
        ("Skincare", True, [
            ("Moisturisers", "Day Cream|Night Cream|Gel Moisturiser|Rich Cream", 9, 79, "Skincare", {}),
            ("Cleansers", "Foaming Cleanser|Cleansing Balm|Micellar Water|Exfoliating Toner", 7, 45, "Skincare", {}),
            ("Serums", "Face Serum|Eye Serum|Retinol Serum|Face Oil", 12, 99, "Skincare", {}),
            ("Sun Care", "Sunscreen SPF 30|Sunscreen SPF 50|After-Sun Lotion|Tinted Sunscreen", 8, 45, "Skincare", {"key_ingredient": ["aloe vera", "vitamin E", "zinc oxide"]}),
        ]),
        ("Hair Care", False, [
            ("Shampoo", "Shampoo|Clarifying Shampoo|Volume Shampoo|Gentle Shampoo", 5, 35, "Hair & Body", {"hair_type": ["all", "fine", "curly", "coloured"]}),
            ("Conditioner", "Conditioner|Leave-In Conditioner|Hair Mask", 6, 39, "Hair & Body", {"hair_type": ["all", "dry", "curly"]}),
            ("Hair Oils", "Hair Oil|Scalp Serum|Hair Serum", 9, 49, "Hair & Body", {"hair_type": ["dry", "curly", "all"]}),
            ("Styling", "Styling Cream|Sea Salt Spray|Hair Wax|Texture Spray", 7, 35, "Hair & Body", {"hair_type": ["all", "fine", "thick"]}),
        ]),
        ("Fragrance", False, [
            ("For Her", "Eau de Parfum|Eau de Toilette|Parfum", 29, 149, "Fragrance", {}),
            ("For Him", "Eau de Toilette|Eau de Parfum|Cologne", 25, 139, "Fragrance", {}),
            ("Body Mists", "Body Mist|Hair Mist|Linen Spray", 9, 39, "Fragrance", {"scent_family": ["floral", "citrus", "fresh and green"]}),
            ("Home Fragrance", "Scented Candle|Travel Candle|Pillar Candle|Three-Wick Candle", 9, 69, "Candles", {}),
        ]),
        ("Bath & Body", False, [
            ("Shower", "Shower Gel|Body Wash|Shower Oil|Soap Bar", 4, 29, "Hair & Body", {"skin_type": ["all", "dry", "sensitive"]}),
            ("Body Lotion", "Body Lotion|Body Butter|Body Oil|Firming Cream", 6, 45, "Hair & Body", {"skin_type": ["all", "dry", "sensitive"]}),
            ("Hand Care", "Hand Cream|Hand Wash|Cuticle Oil", 4, 29, "Hair & Body", {"skin_type": ["all", "dry"]}),
            ("Bath Soaks", "Bath Salts|Bath Oil|Bath Bomb|Bubble Bath", 5, 39, "Hair & Body", {"skin_type": ["all", "sensitive"]}),
        ]),
    ]),
]
# A word a product name takes from one of its attributes: {type: {attribute: {value: word}}}.
QUALIFIERS = {
    "Clothing": {"fabric": {"linen": "Linen", "merino wool": "Merino", "organic cotton": "Organic Cotton"}, "fit": {"slim": "Slim Fit", "relaxed": "Relaxed"}},
    "Shoes": {"upper": {"leather": "Leather", "suede": "Suede", "canvas": "Canvas", "knit": "Knit"}, "waterproof": {True: "Waterproof"}},
    "Audio": {"water_resistance": {"IP67": "Rugged"}},
    "Phone Accessories": {"material": {"leather": "Leather", "silicone": "Silicone", "aluminium": "Aluminium"}},
    "Camera Gear": {"material": {"carbon fibre": "Carbon"}},
    "Kitchen": {"material": {"stoneware": "Stoneware", "cast iron": "Cast Iron", "glass": "Glass", "bamboo": "Bamboo", "porcelain": "Porcelain", "Japanese steel": "Japanese"}},
    "Furniture": {"finish": {"oiled": "Oiled", "waxed": "Waxed"}},
    "Home Textiles": {"material": {"linen": "Linen", "organic cotton": "Organic Cotton", "waffle cotton": "Waffle"}},
    "Decor": {"material": {"ceramic": "Ceramic", "brass": "Brass", "rattan": "Rattan", "linen": "Linen", "velvet": "Velvet", "wool": "Wool", "jute": "Jute", "stoneware": "Stoneware", "glass": "Glass", "terracotta": "Terracotta"}},
    "Sportswear": {"technology": {"windproof": "Windproof", "waterproof": "Waterproof", "thermal": "Thermal", "quick-dry": "Quick-Dry"}, "reflective": {True: "Reflective"}},
    "Outdoor Gear": {"season": {"4-season": "4-Season"}},
    "Fitness Equipment": {"material": {"cork": "Cork", "natural rubber": "Natural Rubber", "cast iron": "Cast Iron"}},
    "Skincare": {"key_ingredient": {"vitamin C": "Vitamin C", "hyaluronic acid": "Hydrating", "niacinamide": "Niacinamide"}},
    "Hair & Body": {"key_ingredient": {"argan oil": "Argan", "oat extract": "Oat", "coconut oil": "Coconut"}},
    "Candles": {"material": {"soy wax": "Soy"}},
}
# The tag a yes/no attribute gives when it is true.
ATTRIBUTE_TAGS = {"waterproof": "waterproof", "reflective": "reflective", "vegan": "vegan"}
COLLECTIONS = ["Alpine", "Harbour", "Meridian", "Summit", "Coastal", "Urban", "Heritage", "Nomad", "Aurora", "Tundra", "Solstice", "Cascade", "Drift", "Ember", "Fjord", "Juniper", "Granite", "Willow", "Horizon", "Saltmarsh", "Birch", "Orchard", "Highland", "Lagoon"]
SERIES = ["Nova", "Pulse", "Edge", "Aero", "Zen", "Flux", "Orbit", "Prime", "Vista", "Spark"]
REVIEW_TITLES = {
    1: ["Disappointed", "Not as described", "Fell apart quickly"],
    2: ["Could be better", "Not for me", "Meh"],
    3: ["Does the job", "Okay for the price", "Decent"],
    4: ["Very good", "Happy with it", "Great value"],
    5: ["Love it!", "Excellent quality", "Exactly what I wanted", "Five stars"],
}
# {noun}: the product's noun in lower case.
REVIEW_BODIES = {
    1: ["The {noun} stopped being usable within a few weeks. I sent it back.", "It looked nothing like the pictures, so the {noun} went straight back."],
    2: ["The {noun} is fine, but I expected more for the price.", "Delivery was quick, but the {noun} is not quite what I hoped for."],
    3: ["A decent {noun}. Nothing special, nothing wrong.", "The {noun} does what it should. I would buy it again on sale."],
    4: ["A well-made {noun}, and it arrived within two days.", "I use the {noun} every day and it still looks new."],
    5: ["Exactly as described. The {noun} feels well made and I would buy it again.", "My second {noun} from this brand, and just as good as the first."],
}
# fmt: on
