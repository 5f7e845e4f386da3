"""The demo catalog's vocabulary: product types, the category tree, brands, words for names,
descriptions and reviews (apps/demo/catalog.py builds products from it).

Fictional brands; nouns per leaf category ("|"-separated) with a EUR price range.
"""

# Data tables, kept one entry a line for reading (the formatter would make them 1,000 lines).
# fmt: off

# Each product type: [(option, [(value, price factor)])]
TYPES = {
    "Clothing": [
        ("Size", [(s, 1.0) for s in ("S", "M", "L", "XL")]),
        ("Colour", [(c, 1.0) for c in ("Black", "White", "Navy", "Grey", "Olive", "Burgundy", "Sand", "Sky Blue")]),
    ],
    "Shoes": [
        ("EU Size", [(str(s), 1.0) for s in range(38, 47)]),
        ("Colour", [(c, 1.0) for c in ("Black", "White", "Brown", "Tan", "Navy", "Grey")]),
    ],
    "Electronics": [
        ("Storage", [("64 GB", 1.0), ("128 GB", 1.12), ("256 GB", 1.3), ("512 GB", 1.6), ("1 TB", 2.0)]),
        ("Colour", [(c, 1.0) for c in ("Black", "Silver", "Space Grey", "Midnight Blue", "White")]),
    ],
    "Accessories": [
        ("Colour", [(c, 1.0) for c in ("Black", "White", "Silver", "Blue", "Red", "Green")]),
    ],
    "Home": [
        ("Material", [("Oak", 1.2), ("Walnut", 1.35), ("Ash", 1.1), ("Linen", 1.0), ("Cotton", 0.9), ("Stoneware", 1.0), ("Glass", 0.95), ("Stainless Steel", 1.1)]),
        ("Colour", [(c, 1.0) for c in ("Natural", "White", "Charcoal", "Sage", "Terracotta", "Ochre")]),
    ],
    "Sports": [
        ("Size", [(s, 1.0) for s in ("XS", "S", "M", "L", "XL")]),
        ("Colour", [(c, 1.0) for c in ("Black", "Neon Yellow", "Red", "Royal Blue", "Forest Green", "Orange")]),
    ],
    "Beauty": [
        ("Volume", [("30 ml", 1.0), ("50 ml", 1.5), ("100 ml", 2.4), ("200 ml", 3.8)]),
        ("Scent", [(s, 1.0) for s in ("Unscented", "Lavender", "Citrus", "Rose", "Sandalwood", "Eucalyptus")]),
    ],
}
# (root, SKU prefix, product type, [(child, featured, [(leaf, nouns, low, high, type or None)])])
TREE = [
    ("Clothing", "CLO", "Clothing", [
        ("Men", True, [
            ("T-Shirts", "T-Shirt|Crew-Neck Tee|Henley|Polo Shirt", 12, 45, None),
            ("Shirts", "Oxford Shirt|Flannel Shirt|Linen Shirt|Denim Shirt", 25, 90, None),
            ("Trousers", "Slim Jeans|Straight Jeans|Chinos|Cargo Trousers", 35, 120, None),
            ("Jackets", "Bomber Jacket|Rain Jacket|Puffer Jacket|Field Jacket", 60, 260, None),
        ]),
        ("Women", True, [
            ("Dresses", "Wrap Dress|Midi Dress|Shirt Dress|Maxi Dress", 30, 150, None),
            ("Tops", "Blouse|Tank Top|Cardigan|Knit Sweater", 18, 80, None),
            ("Skirts", "Pleated Skirt|Denim Skirt|Midi Skirt|A-Line Skirt", 25, 90, None),
            ("Coats", "Trench Coat|Wool Coat|Parka|Quilted Jacket", 80, 320, None),
        ]),
        ("Kids", False, [
            ("Hoodies", "Zip Hoodie|Pullover Hoodie|Fleece Hoodie|Sweatshirt", 15, 50, None),
            ("Pyjamas", "Pyjama Set|Nightshirt|Onesie|Lounge Pants", 12, 40, None),
            ("Rainwear", "Rain Jacket|Rain Trousers|Puddle Suit|Rain Poncho", 18, 70, None),
            ("School Wear", "Polo Shirt|School Trousers|Cardigan|Pinafore Dress", 10, 45, None),
        ]),
        ("Underwear & Socks", False, [
            ("Socks", "Crew Socks|Ankle Socks|Wool Socks|Sports Socks", 5, 25, None),
            ("Boxers", "Boxer Briefs|Trunks|Briefs|Boxer Shorts", 10, 35, None),
            ("Lingerie", "Bralette|T-Shirt Bra|Lace Briefs|Slip", 15, 60, None),
            ("Thermals", "Base Layer Top|Thermal Leggings|Long Sleeve Top|Thermal Vest", 20, 80, None),
        ]),
    ]),
    ("Shoes", "SHO", "Shoes", [
        ("Sneakers", True, [
            ("Running Shoes", "Running Shoe|Road Runner|Trainer|Racing Flat", 60, 180, None),
            ("Court Sneakers", "Court Sneaker|Low-Top Sneaker|High-Top Sneaker|Leather Sneaker", 50, 160, None),
            ("Skate Shoes", "Skate Shoe|Vulc Sneaker|Mid-Top Skate Shoe|Canvas Skate Shoe", 45, 100, None),
            ("Slip-Ons", "Slip-On|Knit Slip-On|Canvas Slip-On|Loafer Sneaker", 40, 110, None),
        ]),
        ("Boots", False, [
            ("Chelsea Boots", "Chelsea Boot|Suede Chelsea Boot|Platform Chelsea Boot", 90, 240, None),
            ("Hiking Boots", "Hiking Boot|Trekking Boot|Approach Shoe|Mountain Boot", 90, 260, None),
            ("Ankle Boots", "Ankle Boot|Lace-Up Boot|Zip Boot|Block-Heel Boot", 70, 220, None),
            ("Rain Boots", "Rain Boot|Wellington Boot|Garden Boot|Rubber Boot", 30, 120, None),
        ]),
        ("Formal Shoes", False, [
            ("Oxfords", "Oxford Shoe|Brogue|Cap-Toe Oxford|Wholecut Oxford", 90, 320, None),
            ("Loafers", "Penny Loafer|Tassel Loafer|Horsebit Loafer|Driving Loafer", 80, 260, None),
            ("Derbies", "Derby Shoe|Plain-Toe Derby|Wingtip Derby|Monk Strap", 85, 280, None),
            ("Heels", "Pump|Slingback|Mary Jane|Kitten Heel", 60, 240, None),
        ]),
        ("Sandals & Slippers", False, [
            ("Flip-Flops", "Flip-Flop|Toe-Post Sandal|Pool Slide|Beach Sandal", 10, 45, None),
            ("Sport Sandals", "Sport Sandal|Hiking Sandal|Strap Sandal|Trail Sandal", 35, 110, None),
            ("Slippers", "Slipper|Moccasin Slipper|Wool Slipper|Mule Slipper", 20, 80, None),
            ("Espadrilles", "Espadrille|Wedge Espadrille|Canvas Espadrille", 25, 90, None),
        ]),
    ]),
    ("Electronics", "ELE", "Electronics", [
        ("Phones & Tablets", True, [
            ("Smartphones", "Smartphone", 199, 1399, None),
            ("Tablets", "Tablet|Drawing Tablet|E-Reader", 129, 1199, None),
            ("Phone Cases", "Phone Case|Leather Folio Case|Clear Case|Rugged Case", 9, 59, "Accessories"),
            ("Chargers", "USB-C Charger|Wireless Charger|Power Bank|Car Charger", 12, 89, "Accessories"),
        ]),
        ("Computers", False, [
            ("Laptops", "Laptop|Ultrabook|Gaming Laptop|2-in-1 Laptop", 499, 2799, None),
            ("Monitors", "27-inch Monitor|4K Monitor|Ultrawide Monitor|Portable Monitor", 129, 899, "Accessories"),
            ("Keyboards", "Mechanical Keyboard|Wireless Keyboard|Compact Keyboard", 29, 219, "Accessories"),
            ("Mice", "Wireless Mouse|Gaming Mouse|Vertical Mouse|Trackball", 15, 129, "Accessories"),
        ]),
        ("Audio", True, [
            ("Headphones", "Over-Ear Headphones|On-Ear Headphones|Studio Headphones", 39, 449, "Accessories"),
            ("Earbuds", "True Wireless Earbuds|Sport Earbuds|Noise-Cancelling Earbuds", 29, 299, "Accessories"),
            ("Speakers", "Bluetooth Speaker|Smart Speaker|Soundbar|Bookshelf Speakers", 35, 699, "Accessories"),
            ("Turntables", "Turntable|Record Player|Belt-Drive Turntable", 99, 899, "Accessories"),
        ]),
        ("Cameras", False, [
            ("Mirrorless Cameras", "Mirrorless Camera|Compact Camera|Full-Frame Camera", 399, 2999, "Accessories"),
            ("Action Cameras", "Action Camera|360 Camera|Dash Cam", 99, 549, None),
            ("Lenses", "Prime Lens|Zoom Lens|Macro Lens|Wide-Angle Lens", 149, 1499, "Accessories"),
            ("Tripods", "Travel Tripod|Carbon Tripod|Tabletop Tripod|Gimbal", 19, 349, "Accessories"),
        ]),
    ]),
    ("Home & Kitchen", "HOM", "Home", [
        ("Kitchen", True, [
            ("Cookware", "Frying Pan|Saucepan|Casserole Dish|Wok", 19, 189, None),
            ("Knives", "Chef's Knife|Santoku Knife|Bread Knife|Knife Block", 15, 249, None),
            ("Tableware", "Dinner Plate Set|Bowl Set|Mug|Serving Platter", 9, 120, None),
            ("Food Storage", "Storage Jar|Lunch Box|Spice Rack|Bread Bin", 8, 60, None),
        ]),
        ("Furniture", False, [
            ("Chairs", "Dining Chair|Armchair|Bar Stool|Lounge Chair", 49, 699, None),
            ("Tables", "Coffee Table|Side Table|Dining Table|Console Table", 59, 1299, None),
            ("Shelving", "Bookcase|Wall Shelf|Ladder Shelf|Cube Storage", 29, 499, None),
            ("Beds", "Bed Frame|Headboard|Daybed|Bunk Bed", 149, 1499, None),
        ]),
        ("Bedding & Bath", False, [
            ("Duvet Covers", "Duvet Cover|Duvet Cover Set|Quilt Cover", 29, 149, None),
            ("Pillows", "Pillow|Pillowcase Pair|Cushion Cover|Bolster", 12, 79, None),
            ("Towels", "Bath Towel|Hand Towel|Towel Set|Beach Towel", 9, 89, None),
            ("Bath Mats", "Bath Mat|Shower Curtain|Bath Rug", 12, 59, None),
        ]),
        ("Decor", True, [
            ("Lamps", "Table Lamp|Floor Lamp|Pendant Light|Desk Lamp", 25, 349, None),
            ("Vases", "Vase|Bud Vase|Floor Vase|Planter", 12, 129, None),
            ("Cushions", "Cushion|Floor Cushion|Throw|Seat Pad", 15, 89, None),
            ("Rugs", "Rug|Runner|Round Rug|Doormat", 19, 599, None),
        ]),
    ]),
    ("Sports & Outdoors", "SPO", "Sports", [
        ("Running", True, [
            ("Running Jackets", "Running Jacket|Wind Shell|Rain Shell|Gilet", 45, 220, None),
            ("Running Tights", "Running Tights|Half Tights|Compression Tights", 29, 110, None),
            ("Running Shorts", "Running Shorts|Split Shorts|2-in-1 Shorts", 19, 70, None),
            ("Hydration", "Hydration Vest|Running Belt|Soft Flask|Waist Pack", 15, 140, None),
        ]),
        ("Camping", False, [
            ("Tents", "2-Person Tent|4-Person Tent|Ultralight Tent|Tarp Shelter", 79, 699, None),
            ("Sleeping Bags", "Sleeping Bag|Down Sleeping Bag|Sleeping Pad|Camp Pillow", 25, 399, None),
            ("Backpacks", "Hiking Backpack|Daypack|Trekking Pack|Dry Bag", 29, 299, None),
            ("Camp Furniture", "Camping Chair|Camp Table|Hammock|Camp Stool", 19, 199, None),
        ]),
        ("Cycling", False, [
            ("Jerseys", "Cycling Jersey|Long Sleeve Jersey|Bib Shorts|Cycling Jacket", 39, 189, None),
            ("Helmets", "Road Helmet|Mountain Bike Helmet|Commuter Helmet", 39, 249, None),
            ("Gloves", "Cycling Gloves|Winter Gloves|Mitts", 15, 69, None),
            ("Bike Lights", "Front Light|Rear Light|Light Set|Helmet Light", 15, 149, None),
        ]),
        ("Fitness", True, [
            ("Yoga", "Yoga Mat|Yoga Block|Yoga Strap|Travel Yoga Mat", 9, 119, None),
            ("Weights", "Dumbbell Set|Kettlebell|Adjustable Dumbbell|Weight Plate", 19, 399, None),
            ("Resistance", "Resistance Band Set|Pull-Up Band|Mini Band|Suspension Trainer", 9, 149, None),
            ("Gym Bags", "Gym Bag|Duffel Bag|Sports Backpack|Shoe Bag", 15, 119, None),
        ]),
    ]),
    ("Beauty & Health", "BEA", "Beauty", [
        ("Skincare", True, [
            ("Moisturisers", "Day Cream|Night Cream|Gel Moisturiser|Rich Cream", 9, 79, None),
            ("Cleansers", "Foaming Cleanser|Cleansing Balm|Micellar Water|Exfoliating Toner", 7, 45, None),
            ("Serums", "Face Serum|Eye Serum|Retinol Serum|Face Oil", 12, 99, None),
            ("Sun Care", "Sunscreen SPF 30|Sunscreen SPF 50|After-Sun Lotion|Tinted Sunscreen", 8, 45, None),
        ]),
        ("Hair Care", False, [
            ("Shampoo", "Shampoo|Dry Shampoo|Clarifying Shampoo|Shampoo Bar", 5, 35, None),
            ("Conditioner", "Conditioner|Leave-In Conditioner|Hair Mask", 6, 39, None),
            ("Hair Oils", "Hair Oil|Scalp Serum|Hair Serum", 9, 49, None),
            ("Styling", "Styling Cream|Sea Salt Spray|Hair Wax|Texture Spray", 7, 35, None),
        ]),
        ("Fragrance", False, [
            ("For Her", "Eau de Parfum|Eau de Toilette|Parfum Oil", 29, 149, None),
            ("For Him", "Eau de Toilette|Eau de Parfum|Cologne|Aftershave Balm", 25, 139, None),
            ("Body Mists", "Body Mist|Hair Mist|Linen Spray", 9, 39, None),
            ("Home Fragrance", "Scented Candle|Reed Diffuser|Room Spray|Wax Melts", 9, 69, None),
        ]),
        ("Bath & Body", False, [
            ("Shower", "Shower Gel|Body Wash|Shower Oil|Soap Bar", 4, 29, None),
            ("Body Lotion", "Body Lotion|Body Butter|Body Oil|Firming Cream", 6, 45, None),
            ("Hand Care", "Hand Cream|Hand Wash|Hand Sanitiser|Cuticle Oil", 4, 29, None),
            ("Bath Soaks", "Bath Salts|Bath Oil|Bath Bomb|Bubble Bath", 5, 39, None),
        ]),
    ]),
]
BRANDS = {
    "Clothing": ["Fjellstad", "Marlowe & Finch", "Northbound", "Aster Lane", "Kestrel", "Oakhaven", "Linnea", "Bramble & Co"],
    "Shoes": ["Stride Society", "Cobble & Last", "Veloce", "Ridgeline", "Pacer Lab", "Harlow", "Tread North", "Solena"],
    "Electronics": ["Voltra", "Nexalink", "Lumio", "Quantix", "Pixelon", "Corvid", "Helix", "Orbitek"],
    "Accessories": ["Voltra", "Nexalink", "Aurel Audio", "Lumio", "Quantix", "Corvid", "Sonora", "Keyforge"],
    "Home": ["Hearth & Oak", "Nordhem", "Kiln Studio", "Alder House", "Terra Casa", "Linden Loom", "Stillwater", "Maison Brune"],
    "Sports": ["Summitline", "Peakform", "Trailhead", "Velo Nord", "Aerofit", "Basecamp", "Stormrider", "Kinetic"],
    "Beauty": ["Botanica Pure", "Lumiere Skin", "Verdant", "Saltwater Apothecary", "Oriel", "Maren", "Sol & Sage", "Fennel & Fig"],
}
QUALIFIERS = {
    "Clothing": ["Slim Fit", "Relaxed", "Organic Cotton", "Classic", "Oversized", "Linen", "Merino", "Striped", "Essential", "Heavyweight"],
    "Shoes": ["Leather", "Suede", "Waterproof", "Lightweight", "Classic", "Trail", "Canvas", "Vegan", "Cushioned", "Recycled"],
    "Accessories": ["Wireless", "Compact", "Premium", "Ergonomic", "Portable", "Slim", "Pro", "Essential", "Studio", "Travel"],
    "Home": ["Handmade", "Nordic", "Minimalist", "Vintage", "Rattan", "Solid Wood", "Stoneware", "Organic", "Modular", "Classic"],
    "Sports": ["Pro", "Lightweight", "Trail", "All-Weather", "Training", "Packable", "Reflective", "Thermal", "Breathable", "Race"],
    "Beauty": ["Hydrating", "Nourishing", "Organic", "Revitalising", "Gentle", "Soothing", "Vitamin C", "Brightening", "Calming", "Daily"],
}
COLLECTIONS = ["Alpine", "Harbour", "Meridian", "Summit", "Coastal", "Urban", "Heritage", "Nomad", "Aurora", "Tundra", "Solstice", "Cascade", "Drift", "Ember", "Fjord", "Juniper", "Granite", "Willow", "Horizon", "Saltmarsh", "Birch", "Orchard", "Highland", "Lagoon"]
SERIES = ["Nova", "Pulse", "Edge", "Aero", "Zen", "Flux", "Orbit", "Prime", "Vista", "Spark"]
TAGS = {
    "Clothing": ["cotton", "casual", "everyday", "workwear", "layering", "sustainable", "summer", "winter"],
    "Shoes": ["leather", "comfort", "walking", "running", "waterproof", "vegan", "wide-fit", "lightweight"],
    "Electronics": ["5g", "wireless", "fast-charging", "oled", "usb-c", "smart", "portable", "gaming"],
    "Accessories": ["wireless", "bluetooth", "usb-c", "portable", "travel", "noise-cancelling", "ergonomic", "gift"],
    "Home": ["handmade", "scandinavian", "sustainable", "dishwasher-safe", "solid-wood", "cosy", "minimalist", "gift"],
    "Sports": ["running", "hiking", "cycling", "yoga", "training", "outdoor", "lightweight", "reflective"],
    "Beauty": ["vegan", "cruelty-free", "fragrance-free", "organic", "sensitive-skin", "spf", "travel-size", "gift"],
}
TYPES_ATTRIBUTES = {
    "Clothing": {"fabric": ["100% cotton", "organic cotton", "linen", "merino wool", "recycled polyester", "a cotton-linen blend"], "fit": ["slim", "regular", "relaxed", "oversized"], "care": ["Machine wash 30 °C", "Machine wash 40 °C", "Hand wash", "Dry clean only"], "made_in": ["Portugal", "Italy", "Turkey", "India", "Vietnam"]},
    "Shoes": {"upper": ["leather", "suede", "mesh", "canvas", "knit"], "sole": ["rubber", "EVA foam", "lugged rubber", "leather"], "width": ["regular", "wide"], "waterproof": [True, False]},
    "Electronics": {"display_inches": [6.1, 6.7, 10.9, 11.0, 13.3, 14.0, 15.6], "battery_hours": [10, 12, 18, 20, 24, 30], "warranty_years": [1, 2, 3], "connectivity": ["5G", "Wi-Fi 6", "Wi-Fi 6E", "Wi-Fi 7"]},
    "Accessories": {"connectivity": ["Bluetooth 5.3", "USB-C", "2.4 GHz wireless", "wired"], "warranty_years": [1, 2, 3], "in_the_box": ["a USB-C cable", "a travel pouch", "a quick-start guide"]},
    "Home": {"finish": ["oiled", "matte glaze", "lacquered", "natural", "brushed"], "care": ["Wipe clean", "Dishwasher safe", "Machine wash 40 °C", "Hand wash"], "dimensions_cm": ["30 x 30 x 40", "45 x 45 x 10", "60 x 40 x 75", "120 x 60 x 75", "200 x 140"], "made_in": ["Denmark", "Portugal", "Poland", "Japan", "Sweden"]},
    "Sports": {"technology": ["quick-dry", "windproof", "waterproof", "breathable mesh", "insulated"], "fit": ["athletic", "regular", "relaxed"], "reflective": [True, False], "weight_class": ["ultralight", "light", "standard"]},
    "Beauty": {"key_ingredient": ["hyaluronic acid", "vitamin C", "niacinamide", "shea butter", "aloe vera", "argan oil"], "skin_type": ["all", "dry", "oily", "sensitive", "combination"], "vegan": [True, False], "cruelty_free": [True]},
}
PITCH = {
    "Clothing": "{brand}'s {noun} is made of {fabric} with a {fit} fit, for easy everyday wear.",
    "Shoes": "The {brand} {noun} has a {upper} upper and a {sole} sole, built for comfort all day long.",
    "Electronics": "The {noun} from {brand} pairs a {display_inches}-inch display with up to {battery_hours} hours of battery life and {connectivity}.",
    "Accessories": "This {noun} by {brand} connects over {connectivity}, carries a {warranty_years}-year warranty and ships with {in_the_box}.",
    "Home": "A {noun} from {brand} with a {finish} finish, made in {made_in} to last for years.",
    "Sports": "{brand}'s {noun} keeps you going with {technology} fabric and a {fit} fit.",
    "Beauty": "{brand}'s {noun} is formulated with {key_ingredient} and suits {skin_type} skin types.",
}
WEIGHTS = {
    "Clothing": (120, 900), "Shoes": (400, 1400), "Electronics": (150, 2500), "Accessories": (30, 1200),
    "Home": (200, 25000), "Sports": (80, 4000), "Beauty": (40, 600),
}
SELLING_POINTS = [
    "Designed to be worn, used and loved for years.",
    "Every piece is checked by hand before it leaves the workshop.",
    "Free returns within 30 days.",
    "Made in small batches with responsibly sourced materials.",
    "Pairs well with the rest of the collection.",
    "Packed in recycled, plastic-free packaging.",
    "A customer favourite, restocked every season.",
    "Backed by our two-year quality promise.",
]
REVIEW_TITLES = {
    1: ["Disappointed", "Not as described", "Fell apart quickly"],
    2: ["Could be better", "Not for me", "Meh"],
    3: ["Does the job", "Okay for the price", "Decent"],
    4: ["Very good", "Happy with it", "Great value"],
    5: ["Love it!", "Excellent quality", "Exactly what I wanted", "Five stars"],
}
# fmt: on
