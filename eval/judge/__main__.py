from eval.judge.train import main

raise SystemExit(main())
