"""The seed's Lambda entry point shape: Mangum around the FastAPI app."""

from mangum import Mangum
from server import app

handler = Mangum(app)
