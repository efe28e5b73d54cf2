"""Print the names in a directory, sorted, one per line (hidden ones too), then `END`."""

import os
import sys

for name in sorted(os.listdir(sys.argv[1])):
    print(name)
print("END")
