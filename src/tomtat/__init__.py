"""tomtat: offline Vietnamese multi-document news summarization.

>>> import tomtat
>>> summary = tomtat.summarize([text1, text2], words=200)
>>> print(summary.text)
"""

from tomtat.errors import InputError, TomtatError
from tomtat.store import Store
from tomtat.summarizer import summarize
from tomtat.types import Article, Summary, SummarySentence

__all__ = ["Article", "InputError", "Store", "Summary", "SummarySentence", "TomtatError", "summarize"]
__version__ = "0.1.0"
