"""Demo catalog for `manage.py seed_demo`: a category tree, product types and N products.

Categories and product types are few and go through the services / the ORM one by one.
Products and everything under them (variants, option values, prices, promotions, tiers,
images, reviews) are written with `bulk_create`, a chunk of products per transaction,
because a service call per row would take hours at 100k products. The database rules stay
on: constraints check every row, the search-vector trigger fills `search_vector`, and the
statement-level audit triggers record each INSERT as one set-based write. `min_price` is
set by one UPDATE ... FROM (SELECT min ...) at the end, the bulk form of
`product_min_price_refresh`; each product is inserted with the value that UPDATE computes
already, so on a clean run it rewrites (and audits) nothing: 100k rows rewritten cost ~20 s.

Deterministic: product number n is always generated from the same seed, whatever the chunking.
Idempotent: products are topped up to N (demo products = products in the demo categories).
"""

from __future__ import annotations

import datetime as dt
import random
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import IO

from django.conf import settings
from django.contrib.postgres.fields.ranges import DateTimeTZRange
from django.core.management.base import OutputWrapper
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from apps.accounts.demo import DEMO_CUSTOMER_EMAILS, output, progress
from apps.accounts.models import User

from . import services
from .cache import product_cache_invalidate
from .models import (
    Category,
    OptionValue,
    Price,
    Product,
    ProductImage,
    ProductOption,
    ProductSlug,
    ProductType,
    ProductVariant,
    PromotionalPrice,
    Review,
    TierPrice,
)

SEED = 20_240_601
CHUNK = 2_000  # products per transaction
BATCH = 2_000  # rows per INSERT statement
IMAGE_COLOURS = [
    ("slate", (71, 85, 105)),
    ("sand", (214, 192, 150)),
    ("sage", (132, 155, 120)),
    ("terracotta", (196, 98, 66)),
    ("navy", (30, 50, 90)),
    ("ochre", (204, 153, 51)),
    ("plum", (110, 60, 100)),
    ("sky", (120, 170, 210)),
]
SKU_PATTERN = r"^[A-Z]{3}-[0-9]{6,}-"
LOCK = "catalog:seed_demo"
CENT = Decimal("0.01")

# --- the demo vocabulary -------------------------------------------------------------------
# Fictional brands; nouns per leaf category ("|"-separated) with a EUR price range.
# Data tables, kept one entry a line for reading (the formatter would make them 1,000 lines).
# fmt: off

# type: [(option, [(value, price factor)])]
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


# --- what one product is made of -----------------------------------------------------------


@dataclass
class Leaf:
    category_id: int
    code: str  # SKU prefix of the root: CLO, SHO, ...
    type_key: str
    nouns: list[str]
    low: int
    high: int


@dataclass
class TypeInfo:
    id: int
    # every combination of one value per option: [(value, option value id, SKU code, factor)]
    combos: list[list[tuple[str, int, str, float]]]


@dataclass
class VariantSpec:
    variant: ProductVariant
    value_ids: list[int]
    price: Decimal
    promotions: list[tuple[dt.datetime, dt.datetime, Decimal, str]] = field(
        default_factory=list
    )
    tiers: list[tuple[int, Decimal]] = field(default_factory=list)


@dataclass
class ProductSpec:
    product: Product
    variants: list[VariantSpec]
    images: list[ProductImage]
    reviews: list[Review]


@dataclass
class Context:
    leaves: list[Leaf]
    types: dict[str, TypeInfo]
    images: list[str]
    customers: list[int]
    taken_slugs: set[str]
    now: dt.datetime
    slug_suffixes: dict[str, int] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)
    fake: object = None


# --- categories and product types ----------------------------------------------------------


def _category(name: str, parent: Category | None, position: int, **fields):
    existing = Category.objects.filter(parent=parent, name=name).first()
    if existing is not None:
        return existing
    return services.category_create(
        name=name, parent=parent, position=position, **fields
    )


def seed_categories(stdout: OutputWrapper) -> list[Leaf]:
    """The 3-level tree (roots, children, leaves); returns the leaves products go into."""
    total = sum(1 + len(children) * 5 for _, _, _, children in TREE)
    done, leaves = 0, []
    for r, (root_name, code, root_type, children) in enumerate(TREE):
        root = _category(
            root_name,
            None,
            r,
            description=f"Everything in {root_name.lower()}, from everyday basics to new arrivals.",
            seo_title=f"{root_name} | {settings.SITE_NAME}",
        )
        done += 1
        for c, (child_name, featured, grandchildren) in enumerate(children):
            child = _category(
                child_name,
                root,
                c,
                is_featured=featured,
                description=f"{child_name} in {root_name.lower()}.",
            )
            done += 1
            for g, (leaf_name, names, low, high, type_key) in enumerate(grandchildren):
                nouns = names.split("|")
                leaf = _category(
                    leaf_name,
                    child,
                    g,
                    description=f"Shop {leaf_name.lower()}: {', '.join(nouns[:3]).lower()} and more.",
                )
                leaves.append(
                    Leaf(leaf.pk, code, type_key or root_type, nouns, low, high)
                )
                done += 1
            progress(stdout, "categories", done, total)
    return leaves


def _sku_code(value: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", value.upper())[:4]


def seed_types(stdout: OutputWrapper) -> dict[str, TypeInfo]:
    """Product types with their options and values (get-or-create, few rows)."""
    types = {}
    for i, (key, options) in enumerate(TYPES.items(), start=1):
        product_type, _ = ProductType.objects.get_or_create(name=key)
        values = []
        for position, (option_name, option_values) in enumerate(options):
            option, _ = ProductOption.objects.get_or_create(
                product_type=product_type,
                name=option_name,
                defaults={"position": position},
            )
            row = []
            for value_position, (value, factor) in enumerate(option_values):
                option_value, _ = OptionValue.objects.get_or_create(
                    option=option, value=value, defaults={"position": value_position}
                )
                row.append((value, option_value.pk, _sku_code(value), factor))
            assert len({code for _, _, code, _ in row}) == len(row), option_name
            values.append(row)
        combos = [[]]
        for row in values:
            combos = [combo + [value] for combo in combos for value in row]
        types[key] = TypeInfo(product_type.pk, combos)
        progress(stdout, "types", i, len(TYPES))
    return types


def placeholder_images() -> list[str]:
    """A handful of small PNGs under MEDIA_ROOT/demo/, written once, shared by all products."""
    from PIL import Image, ImageDraw

    folder = Path(settings.MEDIA_ROOT) / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for name, colour in IMAGE_COLOURS:
        path = folder / f"placeholder-{name}.png"
        if not path.exists():
            image = Image.new("RGB", (480, 480), colour)
            light = tuple(min(255, c + 60) for c in colour)
            ImageDraw.Draw(image).rounded_rectangle(
                (120, 120, 360, 360), radius=32, fill=light
            )
            tmp = path.with_suffix(".tmp")
            image.save(tmp, format="PNG", optimize=True)
            tmp.replace(path)  # another seeding process never sees half a file
        names.append(f"demo/{path.name}")
    return names


# --- one product ---------------------------------------------------------------------------


def _round_price(amount: float) -> Decimal:
    """Shop-like prices: 23.99 below 100, 249.00 above."""
    if amount < 100:
        return Decimal(int(amount)) + Decimal("0.99")
    return Decimal(int(amount / 10) * 10 + 9)


def _name(rng: random.Random, leaf: Leaf, brand: str) -> tuple[str, str]:
    noun = rng.choice(leaf.nouns)
    if leaf.type_key == "Electronics":
        model = f"{rng.choice(SERIES)} {rng.randint(2, 15)}{rng.choice(['', '', ' Pro', ' Max', ' Lite', ' Plus'])}"
        return f"{brand} {model} {noun}", noun
    qualifier = rng.choice(QUALIFIERS[leaf.type_key])
    collection = f"{rng.choice(COLLECTIONS)} " if rng.random() < 0.7 else ""
    return f"{brand} {collection}{qualifier} {noun}", noun


def _attributes(rng: random.Random, type_key: str) -> dict:
    return {
        key: rng.choice(choices) for key, choices in TYPES_ATTRIBUTES[type_key].items()
    }


def _description(ctx: Context, type_key: str, brand: str, noun: str, attrs) -> str:
    lead = PITCH[type_key].format(brand=brand, noun=noun.lower(), **attrs)
    points = " ".join(ctx.rng.sample(SELLING_POINTS, 2))
    return f"{lead} {points} {ctx.fake.paragraph(nb_sentences=ctx.rng.randint(1, 3))}"


def _variants(ctx: Context, leaf: Leaf, base: float, active: bool) -> list[VariantSpec]:
    rng, combos = ctx.rng, ctx.types[leaf.type_key].combos
    count = min(len(combos), rng.choices([2, 3, 4, 5], weights=[30, 40, 20, 10])[0])
    picked = sorted(rng.sample(range(len(combos)), count))
    promo_kind = rng.random() if active else 1.0
    tiered = rng.random() < 0.05
    specs = []
    for position, index in enumerate(picked):
        combo = combos[index]
        factor = 1.0
        for _, _, _, f in combo:
            factor *= f
        price = _round_price(base * factor)
        variant = ProductVariant(
            sku="-".join(code for _, _, code, _ in combo),  # prefixed once n is known
            name=" / ".join(value for value, _, _, _ in combo),
            weight_grams=rng.randint(*WEIGHTS[leaf.type_key]),
            # a few variants are switched off; never the first, so a product keeps a price
            is_active=position == 0 or rng.random() > 0.03,
            position=position,
        )
        spec = VariantSpec(variant, [pk for _, pk, _, _ in combo], price)
        spec.promotions = _promotions(ctx.now, price, promo_kind)
        if tiered:
            spec.tiers = [
                (3, (price * Decimal("0.95")).quantize(CENT, ROUND_HALF_UP)),
                (10, (price * Decimal("0.90")).quantize(CENT, ROUND_HALF_UP)),
            ]
        specs.append(spec)
    return specs


def _promotions(now: dt.datetime, price: Decimal, kind: float):
    """Non-overlapping windows: ~10% of products had a sale, half of those run one now."""
    if kind >= 0.10:
        return []
    day = dt.timedelta(days=1)
    past = (now - 60 * day, now - 30 * day, Decimal("0.85"), "Seasonal sale")
    current = (now - 2 * day, now + 12 * day, Decimal("0.80"), "Limited-time offer")
    future = (now + 20 * day, now + 34 * day, Decimal("0.75"), "Early-bird price")
    windows = [past, current] if kind < 0.05 else [past, future]
    return [
        (start, end, (price * f).quantize(CENT, ROUND_HALF_UP), label)
        for start, end, f, label in windows
    ]


def _free_slug(ctx: Context, name: str) -> str:
    """`blue-shirt`, then `blue-shirt-2`, ... as `_save_with_free_slug` would, without a query."""
    base = slugify(name)[:200].strip("-") or "product"
    slug, n = base, ctx.slug_suffixes.get(base, 1)
    while slug in ctx.taken_slugs:
        n += 1
        slug = f"{base}-{n}"
    ctx.slug_suffixes[base] = n
    ctx.taken_slugs.add(slug)
    return slug


def _reviews(ctx: Context, since: dt.datetime) -> list[Review]:
    rng = ctx.rng
    if not ctx.customers or rng.random() >= 0.35:
        return []
    reviewers = rng.sample(ctx.customers, rng.randint(1, len(ctx.customers)))
    reviews = []
    for user_id in reviewers:
        rating = rng.choices([1, 2, 3, 4, 5], weights=[4, 6, 15, 35, 40])[0]
        status = rng.choices(["approved", "pending", "rejected"], weights=[75, 20, 5])[
            0
        ]
        created = since + (ctx.now - since) * rng.random()
        reviews.append(
            Review(
                user_id=user_id,
                rating=rating,
                title=rng.choice(REVIEW_TITLES[rating]),
                body=f"{ctx.fake.paragraph(nb_sentences=rng.randint(1, 3))}",
                status=status,
                created_at=created,
                moderated_at=None
                if status == "pending"
                else min(ctx.now, created + dt.timedelta(hours=6)),
            )
        )
    return reviews


def product_spec(n: int, ctx: Context) -> ProductSpec:
    """Demo product number n, its variants, images and reviews (nothing saved)."""
    rng = ctx.rng
    rng.seed(SEED * 1_000_003 + n)  # the same product n on every run, in any chunk
    leaf = rng.choice(ctx.leaves)
    brand = rng.choice(BRANDS[leaf.type_key])
    name, noun = _name(rng, leaf, brand)
    attrs = _attributes(rng, leaf.type_key)
    description = _description(ctx, leaf.type_key, brand, noun, attrs)
    status = rng.choices(["active", "draft", "archived"], weights=[95, 4, 1])[0]
    created = ctx.now - dt.timedelta(minutes=rng.randint(0, 730 * 24 * 60))
    base = leaf.low + (leaf.high - leaf.low) * rng.random() ** 1.6
    variants = _variants(ctx, leaf, base, status == "active")
    tags = rng.sample(TAGS[leaf.type_key], rng.randint(2, 3))
    if variants[0].promotions:
        tags.append("sale")
    if ctx.now - created < dt.timedelta(days=30):
        tags.append("new")
    elif rng.random() < 0.05:
        tags.append("bestseller")
    product = Product(
        product_type_id=ctx.types[leaf.type_key].id,
        category_id=leaf.category_id,
        name=name,
        slug=_free_slug(ctx, name),
        description=description,
        brand=brand,
        tags=tags,
        attributes=attrs,
        seo_title=name[:70],
        seo_description=description[:157].rsplit(" ", 1)[0] + "...",
        status=status,
        is_featured=status == "active" and n % 40 == 1,
        created_at=created,
    )
    # The same value the UPDATE in `min_prices_refresh` computes: with it filled in here, that
    # UPDATE finds nothing to change instead of rewriting (and auditing) every product again.
    product.min_price = min(v.price for v in variants if v.variant.is_active)
    prefix = f"{leaf.code}-{n:06d}"
    for spec in variants:
        spec.variant.sku = f"{prefix}-{spec.variant.sku}"
    images = [
        ProductImage(
            image=rng.choice(ctx.images),
            alt_text=f"{name}, view {i + 1}"[:200],
            position=i,
            is_primary=i == 0,
        )
        for i in range(rng.choices([1, 2, 3], weights=[40, 40, 20])[0])
    ]
    reviews = _reviews(ctx, created) if status == "active" else []
    return ProductSpec(product, variants, images, reviews)


# --- writing -------------------------------------------------------------------------------


def write_products(specs: list[ProductSpec]) -> None:
    """Insert a chunk of products and everything under them, a few statements per table."""
    products = Product.objects.bulk_create([s.product for s in specs], batch_size=BATCH)
    images, reviews, variant_specs = [], [], []
    for spec, product in zip(specs, products, strict=True):
        for image in spec.images:
            image.product_id = product.pk
        for review in spec.reviews:
            review.product_id = product.pk
        for variant_spec in spec.variants:
            variant_spec.variant.product_id = product.pk
        images += spec.images
        reviews += spec.reviews
        variant_specs += spec.variants
    ProductVariant.objects.bulk_create(
        [v.variant for v in variant_specs], batch_size=BATCH
    )
    through = ProductVariant.option_values.through
    links, prices, promotions, tiers = [], [], [], []
    for spec in variant_specs:
        pk = spec.variant.pk
        links += [
            through(productvariant_id=pk, optionvalue_id=v) for v in spec.value_ids
        ]
        prices.append(Price(variant_id=pk, currency="EUR", amount=spec.price))
        promotions += [
            PromotionalPrice(
                variant_id=pk,
                currency="EUR",
                amount=amount,
                valid_during=DateTimeTZRange(start, end, "[)"),
                label=label,
            )
            for start, end, amount, label in spec.promotions
        ]
        tiers += [
            TierPrice(variant_id=pk, currency="EUR", min_quantity=q, amount=amount)
            for q, amount in spec.tiers
        ]
    through.objects.bulk_create(links, batch_size=BATCH)
    Price.objects.bulk_create(prices, batch_size=BATCH)
    PromotionalPrice.objects.bulk_create(promotions, batch_size=BATCH)
    TierPrice.objects.bulk_create(tiers, batch_size=BATCH)
    ProductImage.objects.bulk_create(images, batch_size=BATCH)
    Review.objects.bulk_create(reviews, batch_size=BATCH)


def min_prices_refresh(category_ids: list[int]) -> int:
    """Product.min_price = lowest active EUR base price, for every demo product, in one UPDATE."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE catalog_product p SET min_price = m.lowest
            FROM (
                SELECT v.product_id, min(pr.amount) AS lowest
                FROM catalog_productvariant v
                JOIN catalog_price pr ON pr.variant_id = v.id AND pr.currency = 'EUR'
                WHERE v.is_active AND v.deleted_at IS NULL
                GROUP BY v.product_id
            ) m
            WHERE p.id = m.product_id
              AND p.category_id = ANY(%s)
              AND p.min_price IS DISTINCT FROM m.lowest
            """,
            [category_ids],
        )
        return cursor.rowcount


def _specs(numbers: range, ctx: Context) -> list[ProductSpec]:
    return [product_spec(n, ctx) for n in numbers]


def _next_number() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(substring(sku FROM '^[A-Z]{3}-([0-9]+)-')::bigint)"
            " FROM catalog_productvariant WHERE sku ~ %s",
            [SKU_PATTERN],
        )
        return (cursor.fetchone()[0] or 0) + 1


def _top_up(stdout: OutputWrapper, ctx: Context, missing: int) -> None:
    first = _next_number()
    chunks = [
        range(first + start, first + min(start + CHUNK, missing))
        for start in range(0, missing, CHUNK)
    ]
    done = 0
    # One thread builds the next chunk (pure Python, no queries) while this one waits for
    # the database to insert the current one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(_specs, chunks[0], ctx)
        for i, numbers in enumerate(chunks):
            specs = pending.result()
            if i + 1 < len(chunks):
                pending = pool.submit(_specs, chunks[i + 1], ctx)
            with transaction.atomic():
                write_products(specs)
            done += len(numbers)
            progress(stdout, "products", done, missing)


def seed_catalog(stdout: IO[str] | OutputWrapper, *, products: int) -> int:
    """Top the demo catalog up to `products` products; return how many were created."""
    from faker import Faker  # a development dependency, like the demo data itself

    stdout = output(stdout)
    with connection.cursor() as cursor:
        # Two seeders at once (make run, a benchmark) would both top up: one at a time.
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [LOCK])
    try:
        leaves = seed_categories(stdout)
        types = seed_types(stdout)
        category_ids = [leaf.category_id for leaf in leaves]
        existing = Product.objects.filter(category_id__in=category_ids).count()
        missing = max(0, products - existing)
        if missing:
            ctx = Context(
                leaves=leaves,
                types=types,
                images=placeholder_images(),
                customers=list(
                    User.objects.filter(email__in=DEMO_CUSTOMER_EMAILS)
                    .order_by("pk")
                    .values_list("pk", flat=True)
                ),
                taken_slugs=set(Product.all_objects.values_list("slug", flat=True))
                | set(ProductSlug.objects.values_list("slug", flat=True)),
                now=timezone.now(),
                fake=Faker("en_US"),
            )
            ctx.fake.random = (
                ctx.rng
            )  # Faker draws from the per-product seeded generator
            _top_up(stdout, ctx, missing)
        else:
            progress(stdout, "products", 0, 0)
        with transaction.atomic():
            min_prices_refresh(category_ids)
            product_cache_invalidate()
        progress(stdout, "prices", 1, 1)
        services.ratings_refresh()
        progress(stdout, "ratings", 1, 1)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [LOCK])
    stdout.write(f"{missing} products created ({existing + missing} demo products)")
    return missing
