from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def worker_list(request):
    return render(request, "workers/worker_list.html", {})
