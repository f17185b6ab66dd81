import Compute
import Formats
