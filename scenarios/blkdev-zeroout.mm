# Zeroing 1 GiB of a block device without WRITE_ZEROES (__blkdev_issue_zero_pages): before 6.18
# every bvec is the 4 KiB ZERO_PAGE; with CONFIG_PERSISTENT_HUGE_ZERO_FOLIO, largest_zero_folio()
# is 2 MiB and the same range takes 2 bios instead of 1024.
machine arch=x86_64 ram=1G huge_zero=persistent
boot
blkdev_zeroout 1G zero=page
blkdev_zeroout 1G zero=largest
blkdev_zeroout 1G zero=largest max_transfer=1M   # a device limit splits the big bios again
