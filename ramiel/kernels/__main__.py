"""`python -m ramiel.kernels`: build Ramiel's kernel library for this machine."""

import sys

from ramiel.kernels import main

sys.exit(main())
